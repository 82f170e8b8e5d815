package dev.agentplane.gateway.routing;

import dev.agentplane.gateway.edge.GatewayProblems;
import dev.agentplane.gateway.edge.RequestTiming;
import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.problem.ProblemType;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.ServerHttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.filter.FilterContinuation;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.http.server.HttpServerConfiguration;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Streams each {@code /v1/**} request to the upstream owning its path and streams the answer back
 * (bodies are never buffered, so Server-Sent Events pass through event by event). Runs last, after
 * security and rate limiting; a path no upstream owns falls through to the kit's unknown-route
 * rule. An upstream that cannot be reached is a 502, one that does not answer in time a 504, both
 * naming the upstream.
 */
// A request filter method answering with the proxied response, rather than a wrapping doFilter:
// no reactive chain around every request (the edge filters are method filters for the same reason).
@ServerFilter(Upstream.PROXIED_PATHS)
final class UpstreamProxyFilter implements Ordered {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamProxyFilter.class);

  private final UpstreamClients clients;
  private final GatewayProblems problems;
  private final long maxBodyBytes;

  UpstreamProxyFilter(
      UpstreamClients clients, GatewayProblems problems, HttpServerConfiguration server) {
    this.clients = clients;
    this.problems = problems;
    this.maxBodyBytes = server.getMaxRequestSize();
  }

  /** The upstream's answer, streamed; a path no upstream owns goes on to the kit's rules. */
  @RequestFilter
  Publisher<MutableHttpResponse<?>> proxy(
      HttpRequest<?> request, FilterContinuation<Publisher<MutableHttpResponse<?>>> rest) {
    Optional<Upstream> owner = Upstream.forPath(request.getPath());
    if (owner.isEmpty()) {
      return rest.proceed();
    }
    Upstream upstream = owner.get();
    RequestTiming.routeTo(request, upstream.id());
    String rawPath = request.getUri().getRawPath();
    if (!isCanonical(rawPath)) {
      return Mono.just(
          problems.response(
              ProblemType.MALFORMED_REQUEST,
              "The path must not contain dot segments, encoded slashes or dots, or backslashes.",
              request));
    }
    if (request.getContentLength() > maxBodyBytes) {
      return Mono.just(tooLarge(request));
    }
    UpstreamClients.UpstreamClient target = clients.get(upstream);
    if (request instanceof ServerHttpRequest<?> server
        && server.byteBody().expectedLength().isEmpty()) {
      // A chunked body announces no length to check: it is read (up to the cap) before anything
      // is sent upstream, so an oversized one is refused here rather than cut off mid-stream.
      return Mono.fromFuture(server.byteBody().buffer())
          .flatMap(
              buffered -> {
                byte[] body;
                try (buffered) {
                  body = buffered.toByteArray();
                }
                if (body.length > maxBodyBytes) {
                  return Mono.just(tooLarge(request));
                }
                return send(upstream, target, request, withBody(request, body));
              })
          .onErrorResume(UpstreamProxyFilter::isTooLarge, tooBig -> Mono.just(tooLarge(request)));
    }
    return send(upstream, target, request, request.mutate());
  }

  /** The request again, with a body already read in place of the stream it arrived as. */
  private static MutableHttpRequest<?> withBody(HttpRequest<?> request, byte[] body) {
    MutableHttpRequest<Object> copy =
        HttpRequest.create(request.getMethod(), request.getUri().toString());
    request
        .getHeaders()
        .forEach((name, values) -> values.forEach(value -> copy.getHeaders().add(name, value)));
    copy.getHeaders().remove(HttpHeaders.TRANSFER_ENCODING);
    return copy.body(body);
  }

  private MutableHttpResponse<?> tooLarge(HttpRequest<?> request) {
    return problems.response(
        ProblemType.PAYLOAD_TOO_LARGE,
        "The request body is larger than the gateway accepts (" + maxBodyBytes + " bytes).",
        request);
  }

  private Mono<MutableHttpResponse<?>> send(
      Upstream upstream,
      UpstreamClients.UpstreamClient target,
      HttpRequest<?> request,
      MutableHttpRequest<?> outgoing) {
    forwardable(request, outgoing, target.baseUri());
    long started = System.nanoTime();
    return Mono.from(target.proxy().proxy(outgoing))
        .<MutableHttpResponse<?>>map(
            response -> {
              RequestTiming.upstreamAnswered(request, System.nanoTime() - started);
              ForwardedHeaders.strip(response.getHeaders(), false);
              return response;
            })
        .onErrorResume(
            failure -> {
              RequestTiming.upstreamAnswered(request, System.nanoTime() - started);
              return Mono.<MutableHttpResponse<?>>just(
                  failed(upstream, target.baseUri(), failure, request));
            });
  }

  /** Points the outgoing request at the upstream and settles the headers it carries there. */
  private static void forwardable(
      HttpRequest<?> request, MutableHttpRequest<?> outgoing, URI base) {
    outgoing.uri(uri -> uri.scheme(base.getScheme()).host(base.getHost()).port(base.getPort()));
    MutableHttpHeaders headers = outgoing.getHeaders();
    ForwardedHeaders.strip(headers, true);
    // The kit's correlation filter decided the id and trace context; a malformed one from the
    // client is replaced, not forwarded.
    headers.set(Correlation.REQUEST_ID_HEADER, Correlation.currentRequestId(request));
    String traceparent = request.getHeaders().get(Correlation.TRACEPARENT_HEADER);
    if (!Correlation.isValidTraceparent(traceparent)) {
      traceparent = Correlation.outgoingHeaders().get(Correlation.TRACEPARENT_HEADER);
      if (traceparent == null) {
        traceparent = Correlation.newTraceparent();
      }
    }
    headers.set(Correlation.TRACEPARENT_HEADER, traceparent);
    InetSocketAddress client = request.getRemoteAddress();
    if (client != null && client.getAddress() != null) {
      headers.set("X-Forwarded-For", client.getAddress().getHostAddress());
    }
    headers.set("X-Forwarded-Proto", request.isSecure() ? "https" : "http");
    String host = request.getHeaders().get(HttpHeaders.HOST);
    if (host != null) {
      headers.set("X-Forwarded-Host", host);
    }
  }

  /**
   * A path whose meaning could change after decoding or normalisation is refused rather than
   * routed: the prefix decides which service sees the request.
   */
  private static boolean isCanonical(String rawPath) {
    if (rawPath == null) {
      return false;
    }
    String lower = rawPath.toLowerCase(java.util.Locale.ROOT);
    return !(lower.contains("/../")
        || lower.endsWith("/..")
        || lower.contains("/./")
        || lower.endsWith("/.")
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains("\\")
        || lower.contains("//"));
  }

  private MutableHttpResponse<?> failed(
      Upstream upstream, URI base, Throwable failure, HttpRequest<?> request) {
    if (isTimeout(failure)) {
      return problems.response(
          ProblemType.GATEWAY_TIMEOUT,
          "The " + upstream.id() + " service did not answer in time.",
          request);
    }
    if (isUnreachable(failure)) {
      LOG.warn("Upstream {} at {} unreachable: {}", upstream.id(), base, failure.toString());
    } else {
      LOG.error("Proxying to upstream {} at {} failed", upstream.id(), base, failure);
    }
    return problems.response(
        ProblemType.BAD_GATEWAY,
        "The " + upstream.id() + " service could not be reached.",
        request);
  }

  private static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ReadTimeoutException
          || t instanceof TimeoutException
          || t instanceof io.netty.handler.timeout.ReadTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTooLarge(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ContentLengthExceededException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isUnreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof ClosedChannelException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.LAST.order();
  }
}
