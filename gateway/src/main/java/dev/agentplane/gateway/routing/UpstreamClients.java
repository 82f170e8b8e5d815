package dev.agentplane.gateway.routing;

import io.micronaut.context.BeanContext;
import io.micronaut.http.HttpVersion;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.HttpClientRegistry;
import io.micronaut.http.client.HttpVersionSelection;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.client.ServiceHttpClientConfiguration;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;

/**
 * One pooled HTTP client per upstream, configured as a Micronaut service client ({@code
 * micronaut.http.services.<id>.url}, {@code connect-timeout}, {@code read-timeout}, {@code pool.*})
 * and sharing the server's event loop.
 */
@Singleton
public final class UpstreamClients {

  /** Where an upstream runs and the client that reaches it. */
  public record UpstreamClient(Upstream upstream, URI baseUri, HttpClient client) {

    /** The same client as a streaming proxy: DefaultHttpClient implements both. */
    public ProxyHttpClient proxy() {
      return (ProxyHttpClient) client;
    }
  }

  private final Map<Upstream, UpstreamClient> clients = new EnumMap<>(Upstream.class);

  UpstreamClients(BeanContext beans, HttpClientRegistry<HttpClient> registry) {
    for (Upstream upstream : Upstream.values()) {
      ServiceHttpClientConfiguration configuration =
          beans
              .findBean(ServiceHttpClientConfiguration.class, Qualifiers.byName(upstream.id()))
              .filter(config -> !config.getUrls().isEmpty())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "No URL for upstream "
                              + upstream.id()
                              + ": set micronaut.http.services."
                              + upstream.id()
                              + ".url"));
      HttpClient client =
          registry.getClient(
              HttpVersionSelection.forLegacyVersion(HttpVersion.HTTP_1_1), upstream.id(), null);
      clients.put(
          upstream, new UpstreamClient(upstream, configuration.getUrls().getFirst(), client));
    }
  }

  public UpstreamClient get(Upstream upstream) {
    return clients.get(upstream);
  }
}
