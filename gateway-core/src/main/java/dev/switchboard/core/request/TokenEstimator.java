package dev.switchboard.core.request;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.switchboard.core.RequestView;

/**
 * Estimates prompt tokens before a call, with the {@code o200k_base} BPE (jtokkit). Non-OpenAI tokenizers differ
 * by a roughly constant factor, applied per backend where it matters.
 */
public final class TokenEstimator {
    /** Chat formatting adds a few tokens per message; a flat allowance keeps the estimate on the safe side. */
    private static final int PER_REQUEST_OVERHEAD = 3;

    private static final class Holder {
        static final TokenEstimator SHARED = new TokenEstimator(
                Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE));
    }

    private final Encoding encoding;

    private TokenEstimator(Encoding encoding) {
        this.encoding = encoding;
    }

    public static TokenEstimator shared() {
        return Holder.SHARED;
    }

    public int estimate(RequestView request) {
        return count(request.promptText()) + PER_REQUEST_OVERHEAD;
    }

    public int count(String text) {
        return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }
}
