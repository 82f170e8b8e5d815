package dev.agentplane.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.http.annotation.Controller;

/** The rules that keep the house standing (STYLE.md § Tests, ARCHITECTURE.md § Layout). */
@AnalyzeClasses(packages = "dev.agentplane", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

  private static final String[] SERVICES = {
    "dev.agentplane.registry..",
    "dev.agentplane.execution..",
    "dev.agentplane.approval..",
    "dev.agentplane.gateway.."
  };

  @ArchTest
  static final ArchRule servicesNeverImportEachOther =
      slices()
          .matching("dev.agentplane.(registry|execution|approval|gateway)..")
          .should()
          .notDependOnEachOther()
          .because("services talk over HTTP and Kafka through infra/contracts, never through code");

  @ArchTest
  static final ArchRule theServiceKitKnowsNoService =
      noClasses()
          .that()
          .resideInAPackage("dev.agentplane.kit..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SERVICES)
          .because("the kit is plumbing every service shares, with no business logic");

  @ArchTest
  static final ArchRule contractsDependOnNothingOfOurs =
      noClasses()
          .that()
          .resideInAPackage("dev.agentplane.contracts..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.agentplane.kit..",
              "dev.agentplane.registry..",
              "dev.agentplane.execution..",
              "dev.agentplane.approval..",
              "dev.agentplane.gateway..",
              "io.micronaut..")
          .because("contracts are read by any consumer, including ones that do not run Micronaut");

  @ArchTest
  static final ArchRule controllersNeverReachRepositories =
      noClasses()
          .that()
          .areAnnotatedWith(Controller.class)
          .should()
          .dependOnClassesThat()
          .areAnnotatedWith(JdbcRepository.class)
          .because("controllers parse, authorize and call one service method; SQL lives behind it")
          // Services gain their controllers in their own issues; the rule holds from the first.
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule problemTypesAreOnlyMappedByTheKit =
      noClasses()
          .that()
          .resideInAnyPackage(SERVICES)
          .should()
          .dependOnClassesThat()
          .haveFullyQualifiedName(
              "io.micronaut.http.server.exceptions.response.ErrorResponseProcessor")
          .because("errors become problem+json in one place: the service kit")
          .allowEmptyShould(true);
}
