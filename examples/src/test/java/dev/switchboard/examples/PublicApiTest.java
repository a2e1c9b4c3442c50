package dev.switchboard.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The examples are what an application writes: they use the documented API, never the gateway's internals. */
class PublicApiTest {
    @Test
    void examplesUseOnlyThePublicApi() {
        JavaClasses examples = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.switchboard.examples");
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.switchboard.core.internal..")
                .check(examples);
    }
}
