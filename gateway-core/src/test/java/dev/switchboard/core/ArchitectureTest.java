package dev.switchboard.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.switchboard.core.internal.chain.Step;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The boundaries the design relies on, checked on every build: the library has no Netty and no server in it; the
 * steps of the chain are internal classes named for what they are; no class reaches into another's fields; the
 * public API exposes no internal type; time comes from what {@link GatewayOptions} injects.
 */
class ArchitectureTest {
    private static final String CORE = "dev.switchboard.core..";
    private static final String INTERNAL = "dev.switchboard.core.internal..";
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.switchboard.core");

    @Test
    void theLibraryHasNoNettyAndNoServerInIt() {
        noClasses().that().resideInAPackage(CORE).should().dependOnClassesThat()
                .resideInAnyPackage("io.netty..", "dev.switchboard.server..")
                .because("gateway-core runs in any JVM application; Netty is the sidecar's")
                .check(CLASSES);
    }

    @Test
    void everyStepIsAnInternalClassNamedForItsConcern() {
        classes().that().implement(Step.class).should().resideInAPackage(INTERNAL)
                .andShould().haveSimpleNameEndingWith("Step").andShould().notBeAnonymousClasses()
                .check(CLASSES);
    }

    @Test
    void onlyTheGatewayAssemblesTheChainFromOutsideTheInternals() {
        noClasses().that().resideInAPackage(CORE).and().resideOutsideOfPackage(INTERNAL)
                // Gateway assembles the chain; a request's body and id are read and made with internal helpers
                // (shape checks, token counts, ids) that no signature shows.
                .and().haveNameNotMatching("dev\\.switchboard\\.core\\.(Gateway|GatewayEngine|RequestView|GatewayRequest)(\\$.*)?")
                .should().dependOnClassesThat().resideInAPackage(INTERNAL)
                .because("the public packages are the API LIBRARY.md documents; the chain is behind Gateway")
                .check(CLASSES);
    }

    @Test
    void noClassReachesIntoAnotherClasssFields() {
        classes().that().resideInAPackage(CORE).should(new ArchCondition<JavaClass>(
                "read or write only their own fields (and constants)") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                for (JavaFieldAccess access : c.getFieldAccessesFromSelf()) {
                    JavaClass owner = access.getTargetOwner();
                    if (topLevel(owner).equals(topLevel(c))) {
                        continue; // a class and its nested classes are one unit
                    }
                    Optional<JavaField> field = access.getTarget().resolveMember();
                    if (field.isPresent() && field.get().getModifiers().contains(JavaModifier.STATIC)
                            && field.get().getModifiers().contains(JavaModifier.FINAL)) {
                        continue; // constants and enum values
                    }
                    events.add(SimpleConditionEvent.violated(access, access.getDescription()));
                }
            }
        }).check(CLASSES);
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass t = c;
        while (t.getEnclosingClass().isPresent()) {
            t = t.getEnclosingClass().get();
        }
        return t;
    }

    @Test
    void thePublicApiExposesNoInternalType() {
        DescribedPredicate<JavaClass> internal = DescribedPredicate.describe("internal",
                t -> t.getPackageName().startsWith("dev.switchboard.core.internal"));
        classes().that().resideInAPackage(CORE).and().resideOutsideOfPackage(INTERNAL).and().arePublic()
                .should(new ArchCondition<JavaClass>("expose no internal type in a public signature") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        Stream<JavaMember> members = Stream.concat(c.getMethods().stream(),
                                Stream.concat(c.getConstructors().stream(), c.getFields().stream()));
                        members.filter(m -> m.getModifiers().contains(JavaModifier.PUBLIC)).forEach(m -> {
                            // Generic arguments count: a List<InternalType> exposes the internal type too.
                            List<JavaClass> types = (m instanceof JavaCodeUnit u
                                    ? Stream.concat(u.getParameterTypes().stream(), Stream.of(u.getReturnType()))
                                    : Stream.of(((JavaField) m).getType()))
                                    .flatMap(t -> t.getAllInvolvedRawTypes().stream()).distinct().toList();
                            types.stream().filter(internal).forEach(t -> events.add(SimpleConditionEvent.violated(
                                    m, m.getFullName() + " exposes " + t.getName())));
                        });
                    }
                }).check(CLASSES);
    }

    /**
     * The rule below sees calls only: a method reference ({@code System::nanoTime} handed to a field) or a
     * {@code now()} of another java.time type reads the system clock just the same.
     */
    @Test
    void noMethodReferenceOrOtherNowReadsTheSystemClock() {
        java.util.Set<String> clocks = java.util.Set.of("java.lang.System.nanoTime", "java.lang.System.currentTimeMillis");
        classes().that().resideInAPackage(CORE)
                .and().doNotHaveFullyQualifiedName(GatewayOptions.class.getName()) // the defaults live there
                .should(new ArchCondition<JavaClass>("read time only from the injected clock and ticker") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        c.getMethodReferencesFromSelf().forEach(ref -> {
                            String target = ref.getTargetOwner().getName() + "." + ref.getName();
                            if (clocks.contains(target) || isNow(ref.getTargetOwner(), ref.getName())) {
                                events.add(SimpleConditionEvent.violated(ref, ref.getDescription()));
                            }
                        });
                        c.getMethodCallsFromSelf().forEach(call -> {
                            boolean onAClock = call.getTarget().getRawParameterTypes().stream()
                                    .anyMatch(t -> t.isEquivalentTo(java.time.Clock.class));
                            if (isNow(call.getTargetOwner(), call.getName()) && !onAClock) {
                                events.add(SimpleConditionEvent.violated(call, call.getDescription()));
                            }
                        });
                    }

                    private boolean isNow(JavaClass owner, String name) {
                        // now() and now(zone) read the system clock; now(clock) reads the injected one
                        return owner.getPackageName().equals("java.time") && name.equals("now");
                    }
                }).check(CLASSES);
    }

    @Test
    void timeComesFromTheInjectedClockAndTicker() {
        noClasses().that().resideInAPackage(CORE)
                .and().doNotHaveFullyQualifiedName(GatewayOptions.class.getName()) // the defaults live there
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .because("tests move time instead of sleeping (GatewayOptions.clock and .ticker)")
                .check(CLASSES);
    }
}
