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
 * @param sendLag     how long after its intended start each request was written: the load generator's own lateness
 *                    (its loop busy, its core taken, no idle connection), which the latencies above include
 * @param shedFromSend time to the end of the 503 answers counted from when each was written, not intended: what
 *                    the server and the network took, without the generator's send lag (its read lag remains)
 */
public record LoadResult(long completed, long errors, double seconds, Histogram total, Histogram firstByte, long shed,
        Histogram shedTotal, Histogram sendLag, Histogram shedFromSend) {

    public LoadResult(long completed, long errors, double seconds, Histogram total, Histogram firstByte) {
        this(completed, errors, seconds, total, firstByte, 0, newHistogram(), newHistogram(), newHistogram());
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
        Histogram l = sendLag.copy();
        l.add(other.sendLag);
        Histogram sf = shedFromSend.copy();
        sf.add(other.shedFromSend);
        return new LoadResult(completed + other.completed, errors + other.errors, seconds + other.seconds, t, f,
                shed + other.shed, s, l, sf);
    }

    public static LoadResult empty() {
        return new LoadResult(0, 0, 0, newHistogram(), newHistogram());
    }
}
