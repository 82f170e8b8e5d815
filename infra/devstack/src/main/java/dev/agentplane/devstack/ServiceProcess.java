package dev.agentplane.devstack;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One AgentPlane service in a JVM of its own, and whether its {@code /health} is green yet. */
final class ServiceProcess {

  private static final Duration HEALTH_REQUEST_TIMEOUT = Duration.ofSeconds(2);

  private final AgentPlaneService service;
  private final int port;
  private final ChildJvm jvm;
  private volatile String lastHealthAnswer = "not asked yet";

  private ServiceProcess(AgentPlaneService service, int port, ChildJvm jvm) {
    this.service = service;
    this.port = port;
    this.jvm = jvm;
  }

  /**
   * The service's classpath as the build left it: its {@code target/classes} and the jars in its
   * {@code target/runtime-classpath.txt}.
   *
   * @throws StartupFailure when the module has not been built
   */
  static List<Path> classpath(Path repositoryRoot, AgentPlaneService service) {
    Path target = repositoryRoot.resolve(service.moduleDirectory()).resolve("target");
    Path classes = target.resolve("classes");
    Path dependencies = target.resolve("runtime-classpath.txt");
    for (Path required : List.of(classes, dependencies)) {
      if (!Files.exists(required)) {
        throw new StartupFailure(
            service.displayName()
                + " is not built ("
                + repositoryRoot.relativize(required)
                + " is missing). Build with: ./mvnw -B install -DskipTests"
                + " (./agentplane up does this for you).");
      }
    }
    List<Path> classpath = new ArrayList<>();
    classpath.add(classes);
    classpath.addAll(ChildJvm.readClasspathFile(dependencies));
    return classpath;
  }

  static ServiceProcess start(
      AgentPlaneService service,
      int port,
      List<Path> classpath,
      List<String> jvmOptions,
      Map<String, String> environment,
      Path log) {
    Map<String, String> serviceEnvironment = new LinkedHashMap<>(environment);
    serviceEnvironment.put("AGENTPLANE_HTTP_PORT", Integer.toString(port));
    ChildJvm jvm =
        ChildJvm.start(
            service.displayName(),
            classpath,
            jvmOptions,
            service.mainClass(),
            List.of(),
            serviceEnvironment,
            log);
    return new ServiceProcess(service, port, jvm);
  }

  /** Asks {@code GET /health} once; true on 200. Remembers the outcome for a failure report. */
  boolean isHealthy(HttpClient http) {
    HttpRequest request =
        HttpRequest.newBuilder(url().resolve("/health"))
            .timeout(HEALTH_REQUEST_TIMEOUT)
            .GET()
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      lastHealthAnswer = "answered " + response.statusCode() + " " + abbreviate(response.body());
      return response.statusCode() == 200;
    } catch (HttpTimeoutException e) {
      lastHealthAnswer = "no answer within " + HEALTH_REQUEST_TIMEOUT.toSeconds() + " s";
      return false;
    } catch (ConnectException e) {
      lastHealthAnswer = "not listening yet";
      return false;
    } catch (IOException e) {
      lastHealthAnswer = "failed: " + e;
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String abbreviate(String body) {
    String oneLine = body.replaceAll("\\s+", " ").trim();
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
  }

  String name() {
    return service.displayName();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  ChildJvm jvm() {
    return jvm;
  }

  /** What the last health check got: "answered 503 {...}", "not listening yet"... */
  String lastHealthAnswer() {
    return lastHealthAnswer;
  }
}
