package dev.agentplane.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackOptionsTest {

  private static final Path ROOT = Path.of("/repo");

  @Test
  void withoutFlagsOrEnvironmentTheDocumentedDefaultsApply() {
    StackOptions options = StackOptions.parse(ROOT, List.of(), Map.of());

    assertThat(options.port(AgentPlaneService.GATEWAY)).isEqualTo(8080);
    assertThat(options.port(AgentPlaneService.REGISTRY)).isEqualTo(8081);
    assertThat(options.port(AgentPlaneService.EXECUTION)).isEqualTo(8082);
    assertThat(options.port(AgentPlaneService.APPROVAL)).isEqualTo(8083);
    assertThat(options.kafkaPort()).isEqualTo(19092);
    assertThat(options.stateDirectory()).isEqualTo(ROOT.resolve(".agentplane"));
    assertThat(options.startupTimeout()).isEqualTo(Duration.ofSeconds(180));
    assertThat(options.fresh()).isFalse();
    assertThat(options.externalDatabase()).isEmpty();
    assertThat(options.externalKafka()).isEmpty();
    assertThat(options.jwtSecret()).isEmpty();
  }

  @Test
  void aFlagWinsOverTheEnvironmentWhichWinsOverTheDefault() {
    StackOptions options =
        StackOptions.parse(
            ROOT,
            List.of("--gateway-port", "9080", "--registry-port=9081", "--fresh"),
            Map.of("AGENTPLANE_GATEWAY_PORT", "7080", "AGENTPLANE_APPROVAL_PORT", "7083"));

    assertThat(options.port(AgentPlaneService.GATEWAY)).isEqualTo(9080);
    assertThat(options.port(AgentPlaneService.REGISTRY)).isEqualTo(9081);
    assertThat(options.port(AgentPlaneService.APPROVAL)).isEqualTo(7083);
    assertThat(options.port(AgentPlaneService.EXECUTION)).isEqualTo(8082);
    assertThat(options.fresh()).isTrue();
  }

  @Test
  void externalInfrastructureComesFromTheEnvironment() {
    StackOptions options =
        StackOptions.parse(
            ROOT,
            List.of(),
            Map.of(
                "AGENTPLANE_DB_URL", "jdbc:postgresql://db:5432/agentplane",
                "AGENTPLANE_DB_USER", "app",
                "AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"));

    assertThat(options.externalDatabase())
        .contains(
            new StackOptions.ExternalDatabase("jdbc:postgresql://db:5432/agentplane", "app", ""));
    assertThat(options.externalKafka()).contains("kafka:9092");
    assertThat(options.portsToCheck()).doesNotContainKeys("kafka port", "kafka controller port");
  }

  @Test
  void portsAreCheckedUnderTheNamesTheUserKnows() {
    assertThat(StackOptions.parse(ROOT, List.of(), Map.of()).portsToCheck())
        .containsEntry("gateway port", 8080)
        .containsEntry("approval port", 8083)
        .containsEntry("kafka controller port", 19093);
    assertThat(StackOptions.howToMove("gateway port"))
        .isEqualTo("--gateway-port or AGENTPLANE_GATEWAY_PORT");
  }

  @Test
  void twoComponentsOnOnePortAreRefusedBeforeAnythingStarts() {
    assertThatThrownBy(() -> StackOptions.parse(ROOT, List.of("--registry-port", "8080"), Map.of()))
        .isInstanceOf(StackOptions.UsageException.class)
        .hasMessage("gateway port and registry port are both set to 8080.");
  }

  @Test
  void malformedInputIsExplained() {
    assertThatThrownBy(() -> StackOptions.parse(ROOT, List.of("--gateway-port", "http"), Map.of()))
        .hasMessageContaining("--gateway-port must be a positive number");
    assertThatThrownBy(() -> StackOptions.parse(ROOT, List.of("--gateway-port", "70000"), Map.of()))
        .hasMessageContaining("port number");
    assertThatThrownBy(() -> StackOptions.parse(ROOT, List.of("--colour"), Map.of()))
        .hasMessageContaining("--colour");
    assertThatThrownBy(
            () -> StackOptions.parse(ROOT, List.of(), Map.of("AGENTPLANE_JWT_SECRET", "short")))
        .hasMessageContaining("at least 32 bytes");
  }
}
