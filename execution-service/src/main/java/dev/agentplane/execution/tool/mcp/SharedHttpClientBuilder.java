package dev.agentplane.execution.tool.mcp;

import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Hands the MCP SDK's transport the executor's one {@link HttpClient} where it asks for a builder.
 * Left alone, the transport builds a client per connection (each with its own selector thread and
 * connection pool) and never closes it; calls would leak threads until collected. The settings the
 * transport makes are dropped: the shared client is already configured as the executor wants
 * (connect timeout, no redirects, HTTP/1.1 as the transport itself chooses).
 */
final class SharedHttpClientBuilder implements HttpClient.Builder {

  private final HttpClient client;

  SharedHttpClientBuilder(HttpClient client) {
    this.client = client;
  }

  @Override
  public HttpClient build() {
    return client;
  }

  @Override
  public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
    return this;
  }

  @Override
  public HttpClient.Builder connectTimeout(Duration duration) {
    return this;
  }

  @Override
  public HttpClient.Builder sslContext(SSLContext sslContext) {
    return this;
  }

  @Override
  public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
    return this;
  }

  @Override
  public HttpClient.Builder executor(Executor executor) {
    return this;
  }

  @Override
  public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
    return this;
  }

  @Override
  public HttpClient.Builder version(HttpClient.Version version) {
    return this;
  }

  @Override
  public HttpClient.Builder priority(int priority) {
    return this;
  }

  @Override
  public HttpClient.Builder proxy(ProxySelector proxySelector) {
    return this;
  }

  @Override
  public HttpClient.Builder authenticator(Authenticator authenticator) {
    return this;
  }
}
