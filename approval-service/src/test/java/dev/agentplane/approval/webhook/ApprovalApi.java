package dev.agentplane.approval.webhook;

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

/**
 * Drives the approval service over real HTTP the way a client would: any status comes back as a
 * {@link Reply} instead of an exception.
 */
final class ApprovalApi {

  /** One response: status, headers, and the body as JSON (missing when empty). */
  record Reply(int status, Map<String, List<String>> headers, JsonNode body, String raw) {

    Optional<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream())
          .findFirst();
    }

    String contentType() {
      return header("Content-Type").map(value -> value.split(";")[0].trim()).orElse("");
    }

    List<String> errorPointers() {
      return body.path("errors").findValuesAsText("pointer");
    }

    List<String> errorCodes() {
      return body.path("errors").findValuesAsText("code");
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;

  ApprovalApi(URI base) {
    this.base = base;
  }

  Reply get(String path, String token) {
    return send("GET", path, token, null);
  }

  Reply post(String path, String token, String body) {
    return send("POST", path, token, body);
  }

  Reply patch(String path, String token, String body) {
    return send("PATCH", path, token, body);
  }

  Reply delete(String path, String token) {
    return send("DELETE", path, token, null);
  }

  Reply send(String method, String path, String token, String body) {
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
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String raw = response.body();
      JsonNode json = raw == null || raw.isBlank() ? MissingNode.getInstance() : parse(raw);
      return new Reply(response.statusCode(), response.headers().map(), json, raw);
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
