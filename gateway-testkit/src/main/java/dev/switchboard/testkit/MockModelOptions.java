package dev.switchboard.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * The knobs of one {@link MockModelServer}: how the simulated model answers.
 *
 * <p>Immutable; build with {@link #builder()} or derive with {@link #toBuilder()} and swap into a running
 * server with {@link MockModelServer#options(MockModelOptions)} to inject faults mid-test.
 *
 * @param model             the model name reported in responses and at {@code /v1/models}
 * @param firstTokenDelay   time before the response headers and the first token
 * @param tokensPerSecond   pace of streamed tokens after the first; {@code 0} means as fast as possible
 * @param responseTokens    tokens in each answer (capped by the request's {@code max_tokens})
 * @param forcedStatus      when non-zero, every request is answered with this HTTP status and an error body
 * @param errorRate         fraction of requests (0..1) answered with {@code 500}
 * @param dropAfterChunks   when non-negative, streams are cut (connection closed) after this many content chunks
 * @param retryAfterSeconds when positive, error answers carry {@code Retry-After} with this value
 * @param seed              seed of the random source behind {@code errorRate}
 * @param forcedStatusCount when positive, only this many requests get {@code forcedStatus}; later ones are served
 * @param echo              answer with the last user message itself (in 5-character tokens) instead of the
 *                          canned text, so tests can see what the model was given
 * @param recordLimit       how many received requests are kept for {@link MockModelServer#requests()}, newest
 *                          last; older ones are dropped so a long benchmark does not fill the heap
 * @param logBodies         print one line per request received to standard output: {@code received POST
 *                          /v1/chat/completions <body>}, the whole body on that line
 * @param retryAfterDate    when set, error answers carry {@code Retry-After} with this HTTP date instead of seconds
 *                          ({@code Mon, 30 Nov 2026 09:00:03 GMT})
 * @param wholeAnswers      answer {@code stream: true} with one whole JSON completion ({@code application/json}), as a
 *                          server that does not stream does
 * @param toolArguments     when set (JSON text), a chat request that offers {@code tools} and does not end with a tool
 *                          result is answered with a call of one tool with these arguments ({@code finish_reason:
 *                          tool_calls}): the tool {@code tool_choice} names, else the first; streamed, the arguments
 *                          come in 5-character pieces, as a real model's do. {@code null}: never call a tool
 */
public record MockModelOptions(
        String model,
        Duration firstTokenDelay,
        double tokensPerSecond,
        int responseTokens,
        int forcedStatus,
        double errorRate,
        int dropAfterChunks,
        int retryAfterSeconds,
        long seed,
        int forcedStatusCount,
        boolean echo,
        int recordLimit,
        boolean logBodies,
        String retryAfterDate,
        boolean wholeAnswers,
        String toolArguments) {

    public MockModelOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(firstTokenDelay, "firstTokenDelay");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: '' (expected: a non-blank name)");
        }
        if (firstTokenDelay.isNegative()) {
            throw new IllegalArgumentException("firstTokenDelay: " + firstTokenDelay + " (expected: >= 0)");
        }
        if (tokensPerSecond < 0) {
            throw new IllegalArgumentException("tokensPerSecond: " + tokensPerSecond + " (expected: >= 0)");
        }
        if (responseTokens < 1) {
            throw new IllegalArgumentException("responseTokens: " + responseTokens + " (expected: >= 1)");
        }
        if (forcedStatus != 0 && (forcedStatus < 100 || forcedStatus > 599)) {
            throw new IllegalArgumentException("forcedStatus: " + forcedStatus + " (expected: 0 or 100..599)");
        }
        if (errorRate < 0 || errorRate > 1) {
            throw new IllegalArgumentException("errorRate: " + errorRate + " (expected: 0..1)");
        }
        if (recordLimit < 0) {
            throw new IllegalArgumentException("recordLimit: " + recordLimit + " (expected: >= 0)");
        }
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds: " + retryAfterSeconds + " (expected: >= 0)");
        }
    }

    /** A fast, well-behaved model named {@code mock-model}. */
    public static MockModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .model(model).firstTokenDelay(firstTokenDelay).tokensPerSecond(tokensPerSecond)
                .responseTokens(responseTokens).forcedStatus(forcedStatus).errorRate(errorRate)
                .dropAfterChunks(dropAfterChunks).retryAfterSeconds(retryAfterSeconds).seed(seed)
                .forcedStatusCount(forcedStatusCount).echo(echo).recordLimit(recordLimit).logBodies(logBodies)
                .retryAfterDate(retryAfterDate).wholeAnswers(wholeAnswers).toolArguments(toolArguments);
    }

    /** Mutable builder of {@link MockModelOptions}. */
    public static final class Builder {
        private String model = "mock-model";
        private Duration firstTokenDelay = Duration.ZERO;
        private double tokensPerSecond = 0;
        private int responseTokens = 16;
        private int forcedStatus = 0;
        private double errorRate = 0;
        private int dropAfterChunks = -1;
        private int retryAfterSeconds = 0;
        private long seed = 42;
        private int recordLimit = 10_000;
        private int forcedStatusCount = 0;
        private boolean echo = false;
        private boolean logBodies = false;
        private String retryAfterDate;

        private Builder() {
        }

        private boolean wholeAnswers;
        private String toolArguments;

        /** Answer requests that offer tools with a call of one, with these arguments (JSON text); null: never. */
        public Builder toolArguments(String toolArguments) {
            this.toolArguments = toolArguments;
            return this;
        }

        /** Answer {@code stream: true} with one whole JSON completion, as a server that does not stream does. */
        public Builder wholeAnswers(boolean wholeAnswers) {
            this.wholeAnswers = wholeAnswers;
            return this;
        }

        public Builder retryAfterDate(String retryAfterDate) {
            this.retryAfterDate = retryAfterDate;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder firstTokenDelay(Duration firstTokenDelay) {
            this.firstTokenDelay = firstTokenDelay;
            return this;
        }

        public Builder tokensPerSecond(double tokensPerSecond) {
            this.tokensPerSecond = tokensPerSecond;
            return this;
        }

        public Builder responseTokens(int responseTokens) {
            this.responseTokens = responseTokens;
            return this;
        }

        public Builder forcedStatus(int forcedStatus) {
            this.forcedStatus = forcedStatus;
            return this;
        }

        public Builder errorRate(double errorRate) {
            this.errorRate = errorRate;
            return this;
        }

        public Builder dropAfterChunks(int dropAfterChunks) {
            this.dropAfterChunks = dropAfterChunks;
            return this;
        }

        public Builder retryAfterSeconds(int retryAfterSeconds) {
            this.retryAfterSeconds = retryAfterSeconds;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder forcedStatusCount(int forcedStatusCount) {
            this.forcedStatusCount = forcedStatusCount;
            return this;
        }

        public Builder echo(boolean echo) {
            this.echo = echo;
            return this;
        }

        public Builder recordLimit(int recordLimit) {
            this.recordLimit = recordLimit;
            return this;
        }

        public Builder logBodies(boolean logBodies) {
            this.logBodies = logBodies;
            return this;
        }

        public MockModelOptions build() {
            return new MockModelOptions(model, firstTokenDelay, tokensPerSecond, responseTokens, forcedStatus,
                    errorRate, dropAfterChunks, retryAfterSeconds, seed, forcedStatusCount, echo, recordLimit,
                    logBodies, retryAfterDate, wholeAnswers, toolArguments);
        }
    }
}
