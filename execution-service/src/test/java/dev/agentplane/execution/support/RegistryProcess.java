package dev.agentplane.execution.support;

import static org.awaitility.Awaitility.await;

import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The real registry service, started once per test JVM as a child process from its module's build
 * output (as the devstack starts it), on its own database in the shared PostgreSQL and the shared
 * Kafka: the execution service resolves agents and reads secrets over real HTTP with real JWTs.
 */
public final class RegistryProcess {

  private static RegistryProcess instance;

  private final Process process;
  private final URI uri;
  private final Path log;

  private RegistryProcess(Process process, URI uri, Path log) {
    this.process = process;
    this.uri = uri;
    this.log = log;
  }

  public static synchronized RegistryProcess get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  public URI uri() {
    return uri;
  }

  private static RegistryProcess start() {
    Path module = Path.of("..", "registry-service").toAbsolutePath().normalize();
    Path classes = module.resolve("target/classes");
    Path recorded = module.resolve("target/runtime-classpath.txt");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(recorded)) {
      throw new IllegalStateException(
          "The registry is not built: run ./mvnw -pl registry-service -am package -DskipTests"
              + " (the reactor build does it before this module)");
    }
    try {
      String classpath = classes + java.io.File.pathSeparator + Files.readString(recorded).strip();
      int port = freePort();
      TestPostgres.TestDatabase database =
          TestPostgres.get().createDatabase("registry-for-execution");
      Path log = Files.createTempFile("registry-for-execution", ".log");
      String java = ProcessHandle.current().info().command().orElse("java");
      ProcessBuilder builder =
          new ProcessBuilder(
                  java,
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Xmx384m",
                  "-cp",
                  classpath,
                  "dev.agentplane.registry.RegistryApplication")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      Map<String, String> env = builder.environment();
      env.put("AGENTPLANE_HTTP_PORT", String.valueOf(port));
      env.put("AGENTPLANE_DB_URL", database.jdbcUrl());
      env.put("AGENTPLANE_DB_USER", database.user());
      env.put("AGENTPLANE_DB_PASSWORD", database.password());
      env.put("AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS", TestKafka.get().bootstrapServers());
      env.put("AGENTPLANE_JWT_SECRET", TestTokens.SECRET);
      // HTTP tools in these tests call servers on loopback, which the SSRF rule refuses otherwise.
      env.put("AGENTPLANE_REGISTRY_TENANT_DEFAULTS_HTTP_HOST_ALLOWLIST", "127.0.0.1");
      Process process = builder.start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      URI uri = URI.create("http://127.0.0.1:" + port);
      RegistryProcess registry = new RegistryProcess(process, uri, log);
      registry.awaitHealthy();
      return registry;
    } catch (IOException e) {
      throw new IllegalStateException("Could not start the registry", e);
    }
  }

  private void awaitHealthy() {
    HttpClient client = HttpClient.newHttpClient();
    try {
      await("the registry's /health")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new IllegalStateException("The registry exited:\n" + Files.readString(log));
                }
                try {
                  return client
                          .send(
                              HttpRequest.newBuilder(uri.resolve("/health")).build(),
                              HttpResponse.BodyHandlers.discarding())
                          .statusCode()
                      == 200;
                } catch (IOException notYet) {
                  return false;
                }
              });
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
