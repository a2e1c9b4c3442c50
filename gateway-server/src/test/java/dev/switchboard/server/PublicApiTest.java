package dev.switchboard.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The sidecar is an application of the library like any other: it reaches the gateway through the API LIBRARY.md
 * documents (including the transport SPI it implements), never through {@code dev.switchboard.core.internal}.
 */
class PublicApiTest {
    @Test
    void theSidecarUsesOnlyTheLibrarysPublicApi() {
        JavaClasses sidecar = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.switchboard.server");
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.switchboard.core.internal..")
                .because("a server that needs more than the public API shows a gap in that API")
                .check(sidecar);
    }
}
