package dev.agentplane.devstack;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the stack is started: flags first, then {@code AGENTPLANE_*} environment variables, then
 * defaults. Every knob is listed in {@code ./agentplane help}.
 */
final class StackOptions {

  static final int DEFAULT_KAFKA_PORT = 19092;
  static final int DEFAULT_KAFKA_CONTROLLER_PORT = 19093;
  static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(180);
  static final String DEFAULT_JWT_ISSUER = "agentplane";

  /**
   * Small, fast-starting JVMs: a dev box runs six of them at once. C1 only and the serial collector
   * cut start-up CPU; a small initial heap keeps each service near 160 MiB resident instead of 250.
   * Nothing here is tuned for throughput.
   */
  static final String DEFAULT_SERVICE_JAVA_OPTS =
      "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xss512k -Xms16m -Xmx512m";

  static final String DEFAULT_KAFKA_JAVA_OPTS =
      "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xms32m -Xmx512m";

  private static final int MIN_JWT_SECRET_BYTES = 32;

  private final Path repositoryRoot;
  private final Path stateDirectory;
  private final boolean fresh;
  private final Map<AgentPlaneService, Integer> servicePorts;
  private final int kafkaPort;
  private final int kafkaControllerPort;
  private final Duration startupTimeout;
  private final ExternalDatabase externalDatabase;
  private final String externalKafka;
  private final String jwtSecret;
  private final String jwtIssuer;
  private final String logFormat;
  private final List<String> serviceJavaOptions;
  private final List<String> kafkaJavaOptions;

  private StackOptions(Builder builder) {
    this.repositoryRoot = builder.repositoryRoot;
    this.stateDirectory = builder.stateDirectory;
    this.fresh = builder.fresh;
    this.servicePorts = Collections.unmodifiableMap(new EnumMap<>(builder.servicePorts));
    this.kafkaPort = builder.kafkaPort;
    this.kafkaControllerPort = builder.kafkaControllerPort;
    this.startupTimeout = builder.startupTimeout;
    this.externalDatabase = builder.externalDatabase;
    this.externalKafka = builder.externalKafka;
    this.jwtSecret = builder.jwtSecret;
    this.jwtIssuer = builder.jwtIssuer;
    this.logFormat = builder.logFormat;
    this.serviceJavaOptions = List.copyOf(builder.serviceJavaOptions);
    this.kafkaJavaOptions = List.copyOf(builder.kafkaJavaOptions);
  }

  /**
   * Reads the flags after the command ({@code up --fresh --gateway-port 9080}) and the environment.
   *
   * @throws UsageException when a flag is unknown, a value is malformed or two ports collide
   */
  static StackOptions parse(Path repositoryRoot, List<String> flags, Map<String, String> env) {
    Map<String, String> values = new HashMap<>();
    boolean fresh = false;
    for (int i = 0; i < flags.size(); i++) {
      String flag = flags.get(i);
      if (flag.equals("--fresh")) {
        fresh = true;
        continue;
      }
      if (!flag.startsWith("--")) {
        throw new UsageException("Unexpected argument '" + flag + "'.");
      }
      String name = flag;
      String value;
      int equals = flag.indexOf('=');
      if (equals > 0) {
        name = flag.substring(0, equals);
        value = flag.substring(equals + 1);
      } else if (i + 1 < flags.size()) {
        value = flags.get(++i);
      } else {
        throw new UsageException(flag + " needs a value.");
      }
      if (!VALUE_FLAGS.contains(name)) {
        throw new UsageException("Unknown option " + name + ".");
      }
      values.put(name, value);
    }

    Builder builder = new Builder();
    builder.repositoryRoot = repositoryRoot.toAbsolutePath().normalize();
    builder.fresh = fresh;
    builder.stateDirectory =
        setting(values, "--state-dir", env, "AGENTPLANE_STATE_DIR")
            .map(dir -> Path.of(dir).toAbsolutePath().normalize())
            .orElse(builder.repositoryRoot.resolve(".agentplane"));
    for (AgentPlaneService service : AgentPlaneService.values()) {
      builder.servicePorts.put(
          service,
          port(
              setting(values, service.portFlag(), env, service.portVariable()),
              service.portFlag(),
              service.defaultPort()));
    }
    builder.kafkaPort =
        port(
            setting(values, "--kafka-port", env, "AGENTPLANE_KAFKA_PORT"),
            "--kafka-port",
            DEFAULT_KAFKA_PORT);
    builder.kafkaControllerPort =
        port(
            setting(values, "--kafka-controller-port", env, "AGENTPLANE_KAFKA_CONTROLLER_PORT"),
            "--kafka-controller-port",
            DEFAULT_KAFKA_CONTROLLER_PORT);
    builder.startupTimeout =
        setting(values, "--startup-timeout", env, "AGENTPLANE_STARTUP_TIMEOUT")
            .map(seconds -> Duration.ofSeconds(positiveNumber(seconds, "--startup-timeout")))
            .orElse(DEFAULT_STARTUP_TIMEOUT);
    builder.logFormat =
        setting(values, "--log-format", env, "AGENTPLANE_LOG_FORMAT").orElse("text");
    builder.externalDatabase =
        nonBlank(env.get("AGENTPLANE_DB_URL"))
            .map(
                url ->
                    new ExternalDatabase(
                        url,
                        env.getOrDefault("AGENTPLANE_DB_USER", ""),
                        env.getOrDefault("AGENTPLANE_DB_PASSWORD", "")))
            .orElse(null);
    builder.externalKafka = nonBlank(env.get("AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS")).orElse(null);
    builder.jwtSecret = nonBlank(env.get("AGENTPLANE_JWT_SECRET")).orElse(null);
    if (builder.jwtSecret != null
        && builder.jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
      throw new UsageException(
          "AGENTPLANE_JWT_SECRET must be at least " + MIN_JWT_SECRET_BYTES + " bytes for HS256.");
    }
    builder.jwtIssuer = nonBlank(env.get("AGENTPLANE_JWT_ISSUER")).orElse(DEFAULT_JWT_ISSUER);
    builder.serviceJavaOptions =
        words(nonBlank(env.get("AGENTPLANE_SERVICE_JAVA_OPTS")).orElse(DEFAULT_SERVICE_JAVA_OPTS));
    builder.kafkaJavaOptions =
        words(nonBlank(env.get("AGENTPLANE_KAFKA_JAVA_OPTS")).orElse(DEFAULT_KAFKA_JAVA_OPTS));

    StackOptions options = new StackOptions(builder);
    options.requireDistinctPorts();
    return options;
  }

  private static final List<String> VALUE_FLAGS = valueFlags();

  private static List<String> valueFlags() {
    List<String> flags = new ArrayList<>();
    flags.addAll(
        List.of(
            "--state-dir",
            "--kafka-port",
            "--kafka-controller-port",
            "--startup-timeout",
            "--log-format"));
    Arrays.stream(AgentPlaneService.values()).map(AgentPlaneService::portFlag).forEach(flags::add);
    return List.copyOf(flags);
  }

  private void requireDistinctPorts() {
    Map<Integer, String> owners = new HashMap<>();
    for (Map.Entry<String, Integer> port : portsToCheck().entrySet()) {
      String previous = owners.putIfAbsent(port.getValue(), port.getKey());
      if (previous != null) {
        throw new UsageException(
            previous + " and " + port.getKey() + " are both set to " + port.getValue() + ".");
      }
    }
  }

  /**
   * The ports this stack will listen on, named as they are reported ("gateway port"), in the order
   * they are checked. Kafka's are left out when an external broker is used.
   */
  Map<String, Integer> portsToCheck() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    servicePorts.forEach((service, port) -> ports.put(service.displayName() + " port", port));
    if (externalKafka == null) {
      ports.put("kafka port", kafkaPort);
      ports.put("kafka controller port", kafkaControllerPort);
    }
    return ports;
  }

  /** Which flag or variable moves the port named as in {@link #portsToCheck()}. */
  static String howToMove(String portName) {
    for (AgentPlaneService service : AgentPlaneService.values()) {
      if (portName.equals(service.displayName() + " port")) {
        return service.portFlag() + " or " + service.portVariable();
      }
    }
    return portName.equals("kafka port")
        ? "--kafka-port or AGENTPLANE_KAFKA_PORT"
        : "--kafka-controller-port or AGENTPLANE_KAFKA_CONTROLLER_PORT";
  }

  private static Optional<String> setting(
      Map<String, String> flags, String flag, Map<String, String> env, String variable) {
    String fromFlag = flags.get(flag);
    return fromFlag != null ? Optional.of(fromFlag) : nonBlank(env.get(variable));
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static int port(Optional<String> value, String flag, int defaultPort) {
    if (value.isEmpty()) {
      return defaultPort;
    }
    int port = positiveNumber(value.get(), flag);
    if (port > 65_535) {
      throw new UsageException(flag + " must be a port number (1-65535), not " + value.get() + ".");
    }
    return port;
  }

  private static int positiveNumber(String value, String flag) {
    try {
      int number = Integer.parseInt(value.trim());
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // Reported below with the flag's name.
    }
    throw new UsageException(flag + " must be a positive number, not '" + value + "'.");
  }

  private static List<String> words(String value) {
    return Arrays.stream(value.trim().split("\\s+")).filter(word -> !word.isEmpty()).toList();
  }

  Path repositoryRoot() {
    return repositoryRoot;
  }

  Path stateDirectory() {
    return stateDirectory;
  }

  boolean fresh() {
    return fresh;
  }

  int port(AgentPlaneService service) {
    return servicePorts.get(service);
  }

  int kafkaPort() {
    return kafkaPort;
  }

  int kafkaControllerPort() {
    return kafkaControllerPort;
  }

  Duration startupTimeout() {
    return startupTimeout;
  }

  Optional<ExternalDatabase> externalDatabase() {
    return Optional.ofNullable(externalDatabase);
  }

  Optional<String> externalKafka() {
    return Optional.ofNullable(externalKafka);
  }

  Optional<String> jwtSecret() {
    return Optional.ofNullable(jwtSecret);
  }

  String jwtIssuer() {
    return jwtIssuer;
  }

  String logFormat() {
    return logFormat;
  }

  List<String> serviceJavaOptions() {
    return serviceJavaOptions;
  }

  List<String> kafkaJavaOptions() {
    return kafkaJavaOptions;
  }

  /** A PostgreSQL server the user runs themselves ({@code AGENTPLANE_DB_URL}). */
  record ExternalDatabase(String jdbcUrl, String user, String password) {}

  /** A mistake on the command line or in the environment, reported without a stack trace. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private static final class Builder {
    private Path repositoryRoot;
    private Path stateDirectory;
    private boolean fresh;
    private final Map<AgentPlaneService, Integer> servicePorts =
        new EnumMap<>(AgentPlaneService.class);
    private int kafkaPort;
    private int kafkaControllerPort;
    private Duration startupTimeout;
    private ExternalDatabase externalDatabase;
    private String externalKafka;
    private String jwtSecret;
    private String jwtIssuer;
    private String logFormat;
    private List<String> serviceJavaOptions;
    private List<String> kafkaJavaOptions;
  }
}
