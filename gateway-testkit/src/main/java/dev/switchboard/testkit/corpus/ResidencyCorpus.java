package dev.switchboard.testkit.corpus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * Generates request bodies with customer data planted in them, each with a clean twin: the corpus for proving
 * that data never reaches an external model (recall on the planted bodies) without blocking ordinary traffic
 * (no finding on the clean twins).
 *
 * <p>Each case has one value (one in eight a second, of another kind) at one {@link Site}, in one of the
 * {@link Formats}, inside ordinary English or Chinese banking text. About a quarter of the cases cut a digit value
 * in two across a boundary the model reads straight through: the end of one message and the start of the next,
 * two text parts, two embeddings inputs. About a fifth are embeddings bodies, and 40% of chat bodies stream.
 *
 * <p>Case {@code i} of a seed is the same whatever {@code count} is, so a run can be cut short and compared.
 */
public final class ResidencyCorpus {
    private static final int SPLIT_PERCENT = 25;
    private static final int GAP_PERCENT = 30;
    private static final int SECOND_VALUE_PERCENT = 12;
    private static final List<Site> CHAT_SITES = Arrays.stream(Site.values())
            .filter(s -> !s.split() && s.appliesTo(Operation.CHAT)).toList();
    private static final List<Site> EMBEDDINGS_SITES = Arrays.stream(Site.values())
            .filter(s -> !s.split() && s.appliesTo(Operation.EMBEDDINGS)).toList();

    private ResidencyCorpus() {
    }

    /** {@code count} cases, the same for the same seed. */
    public static List<CorpusCase> generate(long seed, int count) {
        SplittableRandom cases = new SplittableRandom(seed);
        List<CorpusCase> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(generateCase(cases.split(), seed + "-" + String.format("%05d", i)));
        }
        return out;
    }

    /**
     * One case. A draw whose clean twin still holds four digits in a row of a value (a year in the filler that
     * happens to be part of a card number) is thrown away and drawn again, so the twin is clean by construction.
     */
    private static CorpusCase generateCase(RandomGenerator rng, String id) {
        while (true) {
            CorpusCase c = draw(rng, id);
            if (!leaks(c.cleanBody(), c.planted())) {
                return c;
            }
        }
    }

    private static CorpusCase draw(RandomGenerator rng, String id) {
        Operation op = rng.nextInt(100) < 20 ? Operation.EMBEDDINGS : Operation.CHAT;
        Site site = chooseSite(rng, op);
        String kind = chooseKind(rng, site::accepts);
        Lang lang = rng.nextBoolean() ? Lang.EN : Lang.ZH;
        boolean stream = op == Operation.CHAT && rng.nextInt(100) < 40;
        BodySketch sketch = op == Operation.CHAT ? ChatBodies.sketch(rng, lang, site, stream)
                : EmbeddingBodies.sketch(rng, lang, site);
        List<Planted> planted = new ArrayList<>(2);
        if (site.split()) {
            plantSplit(rng, sketch, site, kind, planted);
        } else {
            plantOne(rng, sketch, site, kind, planted);
        }
        if (rng.nextInt(100) < SECOND_VALUE_PERCENT) {
            String second = chooseKind(rng, k -> !k.equals(kind));
            List<Site> open = sketch.openSites().stream().filter(s -> s.accepts(second)).toList();
            if (!open.isEmpty()) {
                plantOne(rng, sketch, SensitiveValues.pick(open, rng), second, planted);
            }
        }
        sketch.seal();
        String position = planted.stream().map(Planted::path).distinct().collect(Collectors.joining(" | "));
        return new CorpusCase(id, op, stream, sketch.render(true), sketch.render(false), planted, position);
    }

    private static void plantOne(RandomGenerator rng, BodySketch sketch, Site site, String kind, List<Planted> out) {
        String canonical = SensitiveValues.generate(kind, rng);
        while (site.numeric() && !SensitiveValues.allDigits(canonical)) {
            canonical = SensitiveValues.generate(kind, rng); // a resident ID ending in X is no number
        }
        Slot slot = sketch.host(site, rng);
        String format = site.numeric() ? Formats.PLAIN : Formats.pick(kind, canonical, rng, formatsFor(site));
        String rendered = Formats.render(format, kind, canonical, rng);
        String marker = site.numeric() ? sketch.numberMarker(canonical)
                : sketch.textMarker(rendered, Prose.cleanPhrase(slot.lang, kind));
        slot.plant(rng, kind, marker);
        out.add(new Planted(kind, canonical, rendered, format, site.label(), slot.path));
    }

    /**
     * Cuts the rendered value in two and writes the first piece at the very end of one text, the second at the very
     * start of the next (with the gap variant: a few words after the first piece and before the second).
     */
    private static void plantSplit(RandomGenerator rng, BodySketch sketch, Site site, String kind, List<Planted> out) {
        String canonical = SensitiveValues.generate(kind, rng);
        String format = Formats.pick(kind, canonical, rng, formatsFor(site));
        String rendered = Formats.render(format, kind, canonical, rng);
        int cut = cut(rendered, rng);
        String first = rendered.substring(0, cut);
        String second = rendered.substring(cut);
        Slot[] pair = sketch.pair(site.family(), rng);
        Lang lang = pair[0].lang;
        String firstMarker = sketch.textMarker(first, Prose.cleanPhrase(lang, kind));
        String secondMarker = sketch.textMarker(second, Prose.cleanRest(pair[1].lang));
        if (site.gap()) {
            String[] words = Prose.gapWords(rng, lang, kind);
            pair[0].endWith(words[0] + firstMarker + words[1]);
            pair[1].startWith(words[2] + secondMarker + Prose.splitEnd(rng, pair[1].lang));
        } else {
            pair[0].endWith(Prose.splitLead(rng, lang, kind) + firstMarker);
            pair[1].startWith(secondMarker + Prose.splitEnd(rng, pair[1].lang));
        }
        out.add(new Planted(kind, canonical, first, format, site.label(), pair[0].path));
        out.add(new Planted(kind, canonical, second, format, site.label(), pair[1].path));
    }

    /** A cut after a digit or letter that leaves at least four digits on each side. */
    private static int cut(String rendered, RandomGenerator rng) {
        List<Integer> cuts = new ArrayList<>();
        int total = digitCount(rendered);
        for (int i = 4; i <= rendered.length() - 4; i++) {
            int before = digitCount(rendered.substring(0, i));
            if (Character.isLetterOrDigit(rendered.charAt(i - 1)) && before >= 4 && total - before >= 4) {
                cuts.add(i);
            }
        }
        return SensitiveValues.pick(cuts, rng);
    }

    private static int digitCount(String s) {
        return (int) s.chars().filter(Character::isDigit).count();
    }

    /**
     * A URL parameter only takes URL-safe formats; a country code in front of a mobile would give the first piece
     * of a split value digits that are not the mobile's.
     */
    private static Predicate<String> formatsFor(Site site) {
        if (site == Site.IMAGE_URL) {
            return List.of(Formats.PLAIN, Formats.DASHES, Formats.DOTS, Formats.UNDERSCORES, Formats.LOWER_CASE,
                    Formats.UPPER_CASE, Formats.COUNTRY_CODE)::contains;
        }
        if (site.split()) {
            return f -> !f.equals(Formats.COUNTRY_CODE) && !f.equals(Formats.COUNTRY_CODE_PLUS);
        }
        return f -> true;
    }

    /**
     * A split a quarter of the time (most without a gap), else a non-split site, weighted toward where customer
     * data usually is: message text, text parts, tool calls and their results, embeddings inputs.
     */
    private static Site chooseSite(RandomGenerator rng, Operation op) {
        if (rng.nextInt(100) < SPLIT_PERCENT) {
            Site family = op == Operation.EMBEDDINGS ? Site.SPLIT_INPUTS
                    : rng.nextInt(100) < 60 ? Site.SPLIT_MESSAGES : Site.SPLIT_PARTS;
            if (rng.nextInt(100) >= GAP_PERCENT) {
                return family;
            }
            return Arrays.stream(Site.values()).filter(s -> s.gap() && s.family() == family).findFirst().orElseThrow();
        }
        List<Site> sites = op == Operation.CHAT ? CHAT_SITES : EMBEDDINGS_SITES;
        return weighted(rng, sites, s -> switch (s) {
            case MESSAGE_CONTENT, EMBEDDINGS_INPUT -> 6;
            case TEXT_PART, TOOL_CALL_ARGUMENTS, TOOL_RESULT -> 3;
            default -> 1;
        });
    }

    /** Resident IDs and cards most, as in bank traffic; accounts and mobiles next. */
    private static String chooseKind(RandomGenerator rng, Predicate<String> allowed) {
        List<String> kinds = SensitiveValues.KINDS.stream().filter(allowed).toList();
        return weighted(rng, kinds, k -> switch (k) {
            case SensitiveValues.RESIDENT_ID, SensitiveValues.BANK_CARD -> 3;
            case SensitiveValues.MOBILE, SensitiveValues.BANK_ACCOUNT -> 2;
            default -> 1;
        });
    }

    private static <T> T weighted(RandomGenerator rng, List<T> items, java.util.function.ToIntFunction<T> weight) {
        int roll = rng.nextInt(items.stream().mapToInt(weight).sum());
        for (T item : items) {
            roll -= weight.applyAsInt(item);
            if (roll < 0) {
                return item;
            }
        }
        throw new AssertionError("weights exhausted");
    }

    /**
     * Whether {@code body} holds a piece of any of the values: four digits in a row of one inside one of the body's
     * digit runs (any script's digits), or its rendered text.
     */
    static boolean leaks(String body, List<Planted> planted) {
        String upper = null;
        String runs = String.join("|", digitRuns(body));
        for (Planted p : planted) {
            if (body.contains(p.rendered())) {
                return true;
            }
            if (!SensitiveValues.allDigits(p.canonical())) {
                upper = upper == null ? body.toUpperCase(Locale.ROOT) : upper;
                if (upper.contains(p.canonical())) {
                    return true;
                }
            }
            for (String run : digitRuns(p.canonical())) {
                for (int i = 0; i + 4 <= run.length(); i++) {
                    if (runs.contains(run.substring(i, i + 4))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Maximal runs of digits of any script, as ASCII. */
    static List<String> digitRuns(String text) {
        List<String> runs = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            int d = Character.digit(text.charAt(i), 10);
            if (d >= 0) {
                run.append((char) ('0' + d));
            } else if (run.length() > 0) {
                runs.add(run.toString());
                run.setLength(0);
            }
        }
        if (run.length() > 0) {
            runs.add(run.toString());
        }
        return runs;
    }
}
