package dev.agentplane.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentplane.testkit.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the whole stack the way {@code ./agentplane up} does (launcher JVM, embedded PostgreSQL, a
 * Kafka broker JVM, four service JVMs) on free ports with a state directory of its own, uses it,
 * stops it like Ctrl-C would, and checks that nothing is left running.
 */
class DevStackSmokeIT {

  private static final Duration STARTUP = Duration.ofSeconds(150);

  @TempDir Path stateDirectory;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private LauncherProcess launcher;

  @AfterEach
  void stopWhateverIsLeft() {
    if (launcher != null && launcher.isAlive()) {
      GracefulStop.stop(launcher.handle(), Duration.ofSeconds(60));
    }
  }

  @Test
  void upStartsEveryServiceHealthyAndStoppingItLeavesNothingRunning() throws Exception {
    List<Integer> ports = FreePorts.belowEphemeralRange(6);
    int gateway = ports.get(0);
    int registry = ports.get(1);
    int execution = ports.get(2);
    int approval = ports.get(3);
    launcher =
        LauncherProcess.start(
            "smoke",
            List.of(
                "up",
                "--state-dir",
                stateDirectory.toString(),
                "--gateway-port",
                Integer.toString(gateway),
                "--registry-port",
                Integer.toString(registry),
                "--execution-port",
                Integer.toString(execution),
                "--approval-port",
                Integer.toString(approval),
                "--kafka-port",
                Integer.toString(ports.get(4)),
                "--kafka-controller-port",
                Integer.toString(ports.get(5)),
                "--startup-timeout",
                Long.toString(STARTUP.minusSeconds(10).toSeconds())));

    await("the stack to report it is up")
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> launcher.output().contains("AgentPlane is up") || !launcher.isAlive());
    assertThat(launcher.isAlive())
        .as("launcher alive; its output:%n%s", launcher.output())
        .isTrue();

    for (int port : List.of(gateway, registry, execution, approval)) {
      HttpResponse<String> health = get(port, "/health", null);
      assertThat(health.statusCode())
          .as("GET :%d/health -> %s", port, health.body())
          .isEqualTo(200);
      assertThat(health.body()).contains("UP");
    }

    String token = launcher.lineAfter("export AGENTPLANE_TOKEN=").orElseThrow();
    JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
    assertThat(claims.getStringClaim("tid")).isEqualTo("demo");
    assertThat(claims.getStringListClaim("roles")).containsExactly("admin");
    assertThat(claims.getAudience()).containsExactly("agentplane");
    assertThat(Files.readString(stateDirectory.resolve("admin-token")).trim()).isEqualTo(token);

    assertThat(get(registry, "/v1/anything", token).statusCode())
        .as("a valid admin token is accepted by the service")
        .isNotEqualTo(401);
    assertThat(get(registry, "/v1/anything", null).statusCode())
        .as("no token, no entry")
        .isEqualTo(401);
    assertThat(launcher.output()).contains("RSS", "Logs:", "http://127.0.0.1:" + gateway);

    List<ProcessHandle> children = launcher.handle().descendants().toList();
    assertThat(children).as("kafka and the four services").hasSizeGreaterThanOrEqualTo(5);
    ProcessHandle postmaster =
        Postgres.runningPostmaster(stateDirectory.resolve("postgres")).orElseThrow();
    int postgresPort = postgresPort(stateDirectory.resolve("postgres"));
    assertThat(PortCheck.acceptsConnections(postgresPort)).isTrue();

    launcher.handle().destroy(); // SIGTERM: what Ctrl-C and ./agentplane down amount to

    await("the launcher to stop the stack and exit")
        .atMost(Duration.ofSeconds(60))
        .until(() -> !launcher.isAlive());
    assertThat(launcher.output()).contains("services stopped", "kafka stopped", "postgres stopped");
    assertThat(children).as("children still alive").noneMatch(ProcessHandle::isAlive);
    assertThat(postmaster.isAlive()).as("postmaster alive").isFalse();
    assertThat(PortCheck.acceptsConnections(postgresPort)).as("postgres port open").isFalse();
    assertThat(stateDirectory.resolve("pids")).doesNotExist();
  }

  @Test
  void aPortInUseIsReportedByNameAndNumberAndNothingIsStarted() throws Exception {
    List<Integer> ports = FreePorts.belowEphemeralRange(5);
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(0));
      launcher =
          LauncherProcess.start(
              "port-in-use",
              List.of(
                  "up",
                  "--state-dir",
                  stateDirectory.toString(),
                  "--gateway-port",
                  Integer.toString(taken.getLocalPort()),
                  "--registry-port",
                  Integer.toString(ports.get(0)),
                  "--execution-port",
                  Integer.toString(ports.get(1)),
                  "--approval-port",
                  Integer.toString(ports.get(2)),
                  "--kafka-port",
                  Integer.toString(ports.get(3)),
                  "--kafka-controller-port",
                  Integer.toString(ports.get(4))));

      await().atMost(Duration.ofSeconds(60)).until(() -> !launcher.isAlive());

      assertThat(launcher.exitValue()).isNotZero();
      assertThat(launcher.output())
          .contains("gateway port " + taken.getLocalPort() + " is already in use")
          .contains("Nothing was started");
      assertThat(stateDirectory.resolve("postgres")).doesNotExist();
      assertThat(stateDirectory.resolve("kafka")).doesNotExist();
    }
  }

  private HttpResponse<String> get(int port, String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Line 4 of postmaster.pid is the port the server listens on. */
  private static int postgresPort(Path dataDirectory) throws IOException {
    return Integer.parseInt(
        Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(3).trim());
  }
}
