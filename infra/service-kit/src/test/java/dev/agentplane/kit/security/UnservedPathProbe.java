package dev.agentplane.kit.security;

import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Asks a service for a path it does not serve, with a token: 404 when the token opens the service
 * (an authenticated caller of an unknown route), 401 when it does not.
 */
final class UnservedPathProbe {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private UnservedPathProbe() {}

  static int statusWith(EmbeddedServer service, String token) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(service.getURL() + "/v1/nothing-here"))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
