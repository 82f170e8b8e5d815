package dev.agentplane.gateway;

import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * A gateway started for a test against this JVM's real PostgreSQL and Kafka, with its three
 * upstreams pointed at loopback stubs, on a free port.
 */
final class RunningGateway implements AutoCloseable {

  private final EmbeddedServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  private RunningGateway(EmbeddedServer server) {
    this.server = server;
  }

  /** Properties every test gateway shares: its database, Kafka, the test JWT secret, upstreams. */
  static Map<String, Object> properties(
      TestPostgres.TestDatabase database, String registry, String execution, String approval) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("agentplane.db.url", database.jdbcUrl());
    properties.put("agentplane.db.user", database.user());
    properties.put("agentplane.db.password", database.password());
    properties.put("kafka.bootstrap.servers", TestKafka.get().bootstrapServers());
    properties.put("agentplane.jwt.secret", TestTokens.SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("micronaut.http.services.registry.url", registry);
    properties.put("micronaut.http.services.execution.url", execution);
    properties.put("micronaut.http.services.approval.url", approval);
    return properties;
  }

  static RunningGateway start(Map<String, Object> properties) {
    return new RunningGateway(ApplicationContext.run(EmbeddedServer.class, properties));
  }

  /** Starts a gateway that validates tokens against a JWKS instead of the HS256 secret. */
  static RunningGateway startWithJwks(Map<String, Object> properties, String jwksUrl) {
    // ServiceKitContextConfigurer reads it once, while the context is built.
    System.setProperty("agentplane.jwks.url", jwksUrl);
    try {
      return start(properties);
    } finally {
      System.clearProperty("agentplane.jwks.url");
    }
  }

  URI uri(String path) {
    return URI.create(server.getURL() + path);
  }

  int port() {
    return server.getPort();
  }

  ApplicationContext context() {
    return server.getApplicationContext();
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  HttpResponse<String> get(String path, String token) {
    return send(request(path, token).GET());
  }

  @Override
  public void close() {
    server.getApplicationContext().close();
  }
}
