package dev.agentplane.testkit;

import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link ServiceProcess} starts: a module's build output, its main class, its environment
 * and its JVM flags. The factories give each service what it needs on the test JVM's PostgreSQL (a
 * database of its own), Kafka and JWT secret; {@link #env} and {@link #property} add the rest.
 *
 * @param name how logs and failures name the process, e.g. {@code execution-a}
 * @param module the module directory, relative to the repository root
 * @param mainClass the service's {@code *Application} class
 * @param environment environment variables, the way an operator configures a service
 * @param jvmFlags JVM options, {@code -Dname=value} system properties among them
 */
public record ServiceSpec(
    String name,
    Path module,
    String mainClass,
    Map<String, String> environment,
    List<String> jvmFlags) {

  /** Small heap, C1 only, serial GC: services start fast and several fit on a small machine. */
  private static final List<String> SMALL_JVM =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx384m");

  public ServiceSpec {
    environment = Map.copyOf(environment);
    jvmFlags = List.copyOf(jvmFlags);
  }

  /** The registry on {@code database}; HTTP tools of tests may target loopback. */
  public static ServiceSpec registry(String name, TestDatabase database) {
    return platform(
            name, "registry-service", "dev.agentplane.registry.RegistryApplication", database)
        // HTTP tools in these tests call servers on loopback, which the SSRF rule refuses
        // otherwise.
        .env("AGENTPLANE_REGISTRY_TENANT_DEFAULTS_HTTP_HOST_ALLOWLIST", "127.0.0.1");
  }

  /** The approval service on {@code database}. */
  public static ServiceSpec approval(String name, TestDatabase database) {
    return platform(
        name, "approval-service", "dev.agentplane.approval.ApprovalApplication", database);
  }

  /**
   * The execution service on {@code database}, calling {@code registry} and {@code approval}; its
   * tools and models may call loopback servers.
   */
  public static ServiceSpec execution(
      String name, TestDatabase database, URI registry, URI approval) {
    return platform(
            name, "execution-service", "dev.agentplane.execution.ExecutionApplication", database)
        .env("AGENTPLANE_REGISTRY_URL", registry.toString())
        .env("AGENTPLANE_APPROVAL_URL", approval.toString())
        .env("AGENTPLANE_EXECUTION_OUTBOUND_ALLOWED_HOSTS", "127.0.0.1");
  }

  /**
   * The gateway on {@code database} (its rate-limit buckets), routing to the three services at
   * these addresses.
   */
  public static ServiceSpec gateway(
      String name, TestDatabase database, URI registry, URI execution, URI approval) {
    return platform(name, "gateway", "dev.agentplane.gateway.GatewayApplication", database)
        .env("AGENTPLANE_REGISTRY_URL", registry.toString())
        .env("AGENTPLANE_EXECUTION_URL", execution.toString())
        .env("AGENTPLANE_APPROVAL_URL", approval.toString());
  }

  /** The module's directory: the repository root is found above the tests' working directory. */
  public Path moduleDirectory() {
    return repositoryRoot().resolve(module).normalize();
  }

  /**
   * The checkout this test runs in: the nearest directory at or above the working directory that
   * holds {@code mvnw} and {@code infra/testkit}, so modules at any depth find their siblings.
   */
  public static Path repositoryRoot() {
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))
          && Files.isDirectory(dir.resolve("infra/testkit"))) {
        return dir;
      }
    }
    throw new IllegalStateException("No AgentPlane checkout at or above " + start);
  }

  /** With one more environment variable (Micronaut maps {@code A_B_C} to {@code a.b.c}). */
  public ServiceSpec env(String variable, String value) {
    Map<String, String> more = new LinkedHashMap<>(environment);
    more.put(variable, value);
    return new ServiceSpec(name, module, mainClass, more, jvmFlags);
  }

  /**
   * With one more system property: for settings whose names an environment variable cannot spell
   * unambiguously, like Kafka client keys under {@code kafka.consumers.default} (the variable
   * {@code KAFKA_CONSUMERS_DEFAULT_SESSION_TIMEOUT_MS} would also make a consumer named {@code
   * default-session}).
   */
  public ServiceSpec property(String property, String value) {
    List<String> more = new ArrayList<>(jvmFlags);
    more.add("-D" + property + "=" + value);
    return new ServiceSpec(name, module, mainClass, environment, more);
  }

  /**
   * With these JVM options instead of the small test JVM's (a benchmark's service runs with a full
   * JIT and its own heap); system properties set with {@link #property} stay.
   */
  public ServiceSpec jvm(List<String> options) {
    List<String> flags = new ArrayList<>(options);
    jvmFlags.stream().filter(flag -> flag.startsWith("-D")).forEach(flags::add);
    return new ServiceSpec(name, module, mainClass, environment, flags);
  }

  private static ServiceSpec platform(
      String name, String module, String mainClass, TestDatabase database) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("AGENTPLANE_DB_URL", database.jdbcUrl());
    environment.put("AGENTPLANE_DB_USER", database.user());
    environment.put("AGENTPLANE_DB_PASSWORD", database.password());
    environment.put("AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS", TestKafka.get().bootstrapServers());
    environment.put("AGENTPLANE_JWT_SECRET", TestTokens.SECRET);
    return new ServiceSpec(name, Path.of(module), mainClass, environment, SMALL_JVM)
        // A killed service leaves its consumer groups only when its session times out (45 s by
        // default); 6 s, the broker's minimum, hands its partitions to the others sooner.
        .property("kafka.consumers.default.session.timeout.ms", "6000")
        .property("kafka.consumers.default.heartbeat.interval.ms", "1000");
  }
}
