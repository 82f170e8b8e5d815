package dev.agentplane.execution.model;

import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.PinnedHttpClients;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The HTTP client one attempt of a model call streams through, handed to LangChain4j's OpenAI model
 * in place of its own JDK client for two reasons: a refused response keeps its headers (a 429's
 * {@code Retry-After} reaches the retry as {@link ModelServerRefusal}), and the caller can {@link
 * #abort()} the exchange when it stops waiting; and the request goes to the address the base URL
 * was judged by ({@link PinnedHttpClients}), not to whatever DNS answers when LangChain4j sends.
 * Server-sent events are still parsed by the parser LangChain4j passes in.
 */
final class AbortableHttpClient implements HttpClient {

  private static final int REFUSAL_BODY_BYTES = 2_000;
  private static final Executor OWN_VIRTUAL_THREAD =
      task -> Thread.ofVirtual().name("model-stream").start(task);

  private final PinnedHttpClients clients;
  private final OutboundTarget pinned;
  private final Duration connectTimeout;
  private final Duration responseTimeout;

  private volatile boolean aborted;
  private volatile CompletableFuture<?> exchange;
  private volatile InputStream body;
  private volatile Thread reader;

  /**
   * @param clients shared by every attempt, for their connection pools; their connect timeout is
   *     {@code connectTimeout}
   * @param pinned the base URL, pinned to the address judged for this attempt
   */
  AbortableHttpClient(
      PinnedHttpClients clients,
      OutboundTarget pinned,
      Duration connectTimeout,
      Duration responseTimeout) {
    this.clients = clients;
    this.pinned = pinned;
    this.connectTimeout = connectTimeout;
    this.responseTimeout = responseTimeout;
  }

  /** A builder that LangChain4j's model builds this very client with. */
  HttpClientBuilder asBuilder() {
    return new HttpClientBuilder() {
      @Override
      public Duration connectTimeout() {
        return connectTimeout;
      }

      // The timeouts are the service's (OpenAiCallSettings), not LangChain4j's defaults.
      @Override
      public HttpClientBuilder connectTimeout(Duration ignored) {
        return this;
      }

      @Override
      public Duration readTimeout() {
        return responseTimeout;
      }

      @Override
      public HttpClientBuilder readTimeout(Duration ignored) {
        return this;
      }

      @Override
      public HttpClient build() {
        return AbortableHttpClient.this;
      }
    };
  }

  /**
   * Stops the exchange wherever it is: before the response, the request is cancelled; while the
   * reply streams, its body is closed and its reader interrupted. Listeners may still hear of the
   * failure this causes; nobody waits for them.
   */
  void abort() {
    aborted = true;
    CompletableFuture<?> pending = exchange;
    if (pending != null) {
      pending.cancel(true);
    }
    InputStream streaming = body;
    if (streaming != null) {
      closeQuietly(streaming);
    }
    Thread streamReader = reader;
    if (streamReader != null) {
      streamReader.interrupt();
    }
  }

  @Override
  public SuccessfulHttpResponse execute(HttpRequest request) {
    try {
      HttpResponse<String> response =
          clients.clientFor(pinned).send(toJdkRequest(request), BodyHandlers.ofString());
      if (!isSuccessful(response.statusCode())) {
        throw refusal(response.statusCode(), response.headers(), response.body());
      }
      return SuccessfulHttpResponse.builder()
          .statusCode(response.statusCode())
          .headers(response.headers().map())
          .body(response.body())
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("Interrupted while calling the model server");
    }
  }

  @Override
  public void execute(
      HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
    CompletableFuture<HttpResponse<InputStream>> pending =
        clients.clientFor(pinned).sendAsync(toJdkRequest(request), BodyHandlers.ofInputStream());
    exchange = pending;
    if (aborted) {
      pending.cancel(true);
    }
    pending.whenCompleteAsync(
        (response, failure) -> {
          if (failure != null) {
            tell(() -> listener.onError(unwrap(failure)));
          } else {
            stream(response, parser, listener);
          }
        },
        OWN_VIRTUAL_THREAD);
  }

  // Blocks reading the body, on a virtual thread of its own that abort() may interrupt.
  private void stream(
      HttpResponse<InputStream> response,
      ServerSentEventParser parser,
      ServerSentEventListener listener) {
    reader = Thread.currentThread();
    try (InputStream in = response.body()) {
      body = in;
      if (aborted) {
        return;
      }
      if (!isSuccessful(response.statusCode())) {
        String start = new String(in.readNBytes(REFUSAL_BODY_BYTES), StandardCharsets.UTF_8);
        ModelServerRefusal refusal = refusal(response.statusCode(), response.headers(), start);
        tell(() -> listener.onError(refusal));
        return;
      }
      SuccessfulHttpResponse opened =
          SuccessfulHttpResponse.builder()
              .statusCode(response.statusCode())
              .headers(response.headers().map())
              .build();
      tell(() -> listener.onOpen(opened));
      parser.parse(in, listener);
      tell(listener::onClose);
    } catch (IOException | RuntimeException e) {
      tell(() -> listener.onError(e));
    }
  }

  private java.net.http.HttpRequest toJdkRequest(HttpRequest request) {
    if (!request.formDataFields().isEmpty() || !request.formDataFiles().isEmpty()) {
      throw new UnsupportedOperationException("Chat completions send JSON, never form data");
    }
    URI target = URI.create(request.url());
    java.net.http.HttpRequest.Builder builder =
        clients
            .newRequest(pinned.sameOrigin(target))
            .timeout(responseTimeout)
            .method(
                request.method().name(),
                request.body() == null
                    ? BodyPublishers.noBody()
                    : BodyPublishers.ofString(request.body()));
    if ("http".equals(target.getScheme())) {
      // Plain-http model servers (vLLM, Ollama, proxies) speak HTTP/1.1: skip the h2c upgrade
      // offer.
      builder.version(java.net.http.HttpClient.Version.HTTP_1_1);
    }
    for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
      if (header.getValue() != null) {
        header.getValue().forEach(value -> builder.header(header.getKey(), value));
      }
    }
    return builder.build();
  }

  private static ModelServerRefusal refusal(int status, HttpHeaders headers, String body) {
    return new ModelServerRefusal(
        status, body, headers.firstValue("Retry-After").flatMap(AbortableHttpClient::retryAfter));
  }

  /** {@code Retry-After} as delay-seconds or as an HTTP date (RFC 9110 §10.2.3). */
  static Optional<Duration> retryAfter(String value) {
    String trimmed = value.strip();
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(trimmed))));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration until = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return Optional.of(until.isNegative() ? Duration.ZERO : until);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }

  private static boolean isSuccessful(int status) {
    return status >= 200 && status < 300;
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  // A listener's own failure must not end the stream's thread before the others are told.
  private static void tell(Runnable notification) {
    try {
      notification.run();
    } catch (RuntimeException ignored) {
      // LangChain4j's listeners report their failures through onError themselves.
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // Closing only hurries an exchange nobody waits for any more.
    }
  }
}
