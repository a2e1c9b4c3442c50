package dev.switchboard.benchmarks.load;

import org.HdrHistogram.Histogram;

/**
 * What one load round measured. Latencies are in microseconds and counted from each request's <em>intended</em>
 * start (open model), so a stall delays every request scheduled behind it, as users would see it.
 *
 * @param completed   requests answered with 2xx
 * @param errors      requests answered otherwise, or whose connection failed
 * @param seconds     length of the round
 * @param total       time to the end of the response
 * @param firstByte   time to the first body byte (streams: the first event)
 * @param shed        requests answered 503 (counted among the errors too): a server shedding load
 * @param shedTotal   time to the end of those 503 answers
 */
public record LoadResult(long completed, long errors, double seconds, Histogram total, Histogram firstByte, long shed,
        Histogram shedTotal) {

    public LoadResult(long completed, long errors, double seconds, Histogram total, Histogram firstByte) {
        this(completed, errors, seconds, total, firstByte, 0, newHistogram());
    }

    public double throughput() {
        return completed / seconds;
    }

    public static Histogram newHistogram() {
        return new Histogram(120_000_000L, 3);
    }

    /** The sum of several rounds. */
    public LoadResult plus(LoadResult other) {
        Histogram t = total.copy();
        t.add(other.total);
        Histogram f = firstByte.copy();
        f.add(other.firstByte);
        Histogram s = shedTotal.copy();
        s.add(other.shedTotal);
        return new LoadResult(completed + other.completed, errors + other.errors, seconds + other.seconds, t, f,
                shed + other.shed, s);
    }

    public static LoadResult empty() {
        return new LoadResult(0, 0, 0, newHistogram(), newHistogram());
    }
}
