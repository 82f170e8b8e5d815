package dev.agentplane.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Drives a service over real HTTP, the way a client would: any status comes back as a {@link Reply}
 * instead of an exception, so tests assert on refusals as plainly as on successes.
 */
public final class ServiceApi {

  /** One response: status, headers, and the body as JSON (missing when empty). */
  public record Reply(int status, Map<String, List<String>> headers, JsonNode body, String raw) {

    public Optional<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream())
          .findFirst();
    }

    /** The problem type's slug, e.g. {@code version-immutable}. */
    public String problemSlug() {
      String type = body.path("type").asText();
      return type.substring(type.lastIndexOf('/') + 1);
    }

    /** The response's media type, without parameters. */
    public String contentType() {
      return header("Content-Type").map(value -> value.split(";")[0].trim()).orElse("");
    }

    public List<String> errorCodes() {
      return body.path("errors").findValuesAsText("code");
    }

    public List<String> errorPointers() {
      return body.path("errors").findValuesAsText("pointer");
    }
  }

  public static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;
  private final BiConsumer<String, Reply> onReply;

  public ServiceApi(URI base) {
    this(base, (request, reply) -> {});
  }

  /**
   * A client that hands every reply, with its request's method and path ({@code GET /v1/runs}), to
   * {@code onReply} before returning it, so a test can look at everything the service answered
   * (every body and header a leak check must read).
   */
  public ServiceApi(URI base, BiConsumer<String, Reply> onReply) {
    this.base = base;
    this.onReply = onReply;
  }

  public Reply get(String path, String token) {
    return send("GET", path, token, null, Map.of());
  }

  public Reply post(String path, String token, String body) {
    return send("POST", path, token, body, Map.of());
  }

  public Reply put(String path, String token, String body, Map<String, String> headers) {
    return send("PUT", path, token, body, headers);
  }

  public Reply patch(String path, String token, String body) {
    return send("PATCH", path, token, body, Map.of());
  }

  public Reply delete(String path, String token) {
    return send("DELETE", path, token, null, Map.of());
  }

  public Reply send(
      String method, String path, String token, String body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    // Given headers replace the defaults, so a test can send e.g. Content-Type: text/plain.
    headers.forEach(request::setHeader);
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String raw = response.body();
      JsonNode json = raw == null || raw.isBlank() ? MissingNode.getInstance() : parse(raw);
      Reply reply = new Reply(response.statusCode(), response.headers().map(), json, raw);
      onReply.accept(method + " " + path, reply);
      return reply;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(String raw) {
    try {
      return JSON.readTree(raw);
    } catch (IOException e) {
      return MissingNode.getInstance();
    }
  }
}
