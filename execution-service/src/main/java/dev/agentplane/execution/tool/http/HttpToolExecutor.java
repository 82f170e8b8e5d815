package dev.agentplane.execution.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.outbound.BlockedTargetException;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.RegistryUnavailableException;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.tool.ToolExecutor;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.PinnedHttpClients;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls HTTP tools ({@code type: http}): fills the spec's URL, headers and body from the call's
 * arguments (see {@link UrlTemplate}, {@link HeaderTemplate}, {@link BodyTemplate}), resolves
 * {@code {{secret:NAME}}} through {@link TenantSecrets} at call time, and sends the request with
 * {@code Idempotency-Key: <run id>:<tool call id>} so that a server can recognise the same call
 * repeated by a retried run.
 *
 * <p>Before anything else (secrets included), the target passes {@link OutboundTargets#pin}: the
 * host is resolved now, every address judged, and the request goes to the address judged (through
 * {@link PinnedHttpClients}, with the URL's name in {@code Host} and TLS), never to a second answer
 * of DNS. A refused URL, port or host is {@code tool_host_blocked} and nothing is sent. Redirects
 * are never followed: the next hop would be a host nobody checked, so a 3xx is reported to the
 * model like any other non-2xx ({@code tool_http_error}, with its {@code Location}). Messages name
 * the target as the tool's URL does, never by the address connected to.
 *
 * <p>The exchange as a whole (connect, send, headers, body) is bounded by the shorter of the tool's
 * {@code timeoutMs} and the call's timeout ({@code tool_timeout}); an interrupt of the calling
 * thread cancels it, closing its connection, and surfaces as {@link InterruptedException}. Bodies
 * are read up to {@link HttpToolSettings#maxResponseBytes()}; a longer one is cut, marked and
 * {@link ToolResult#truncated()}. Secret values revealed for the call are struck from every text it
 * produces (result and failure messages), and no header value is ever logged.
 *
 * <p>Failure codes: {@code invalid_arguments}, {@code invalid_tool_spec}, {@code
 * tool_secret_missing}, {@code tool_secret_invalid}, {@code tool_host_blocked}, {@code
 * tool_timeout}, {@code tool_connection_failed} (no HTTP answer: refused, reset, TLS), {@code
 * tool_http_error}. {@link RegistryUnavailableException} from the secrets passes through: the call
 * did not happen and is worth retrying.
 */
@Singleton
public class HttpToolExecutor implements ToolExecutor, AutoCloseable {

  static final String USER_AGENT = "AgentPlane-Tools/1";
  private static final int FAILURE_BODY_BYTES = 4096;
  private static final int FAILURE_BODY_SHOWN = 500;

  private final TenantSecrets secrets;
  private final OutboundTargets targets;
  private final HttpToolSettings settings;
  private final PinnedHttpClients clients;

  public HttpToolExecutor(
      TenantSecrets secrets, OutboundTargets targets, HttpToolSettings settings) {
    this.secrets = secrets;
    this.targets = targets;
    this.settings = settings;
    this.clients = new PinnedHttpClients(settings.connectTimeout());
  }

  @Override
  public String type() {
    return "http";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) throws InterruptedException {
    HttpToolSpec spec = HttpToolSpec.of(invocation.spec());
    JsonNode arguments = invocation.arguments();
    URI target = UrlTemplate.fill(spec.url(), arguments);
    Duration timeout = timeoutOf(spec, invocation);
    OutboundTarget pinned;
    try {
      pinned = targets.pin(target);
    } catch (BlockedTargetException e) {
      throw new ToolFailure("tool_host_blocked", e.getMessage(), e);
    }
    RevealedSecrets revealed = new RevealedSecrets(secrets, invocation.tenantId());
    HttpRequest request =
        request(spec, clients.newRequest(pinned), arguments, revealed, invocation, timeout);
    HttpResponse<CappedBody> response = exchange(pinned, request, timeout, revealed);
    String text = revealed.redact(response.body().text());
    int status = response.statusCode();
    if (status / 100 != 2) {
      throw new ToolFailure(
          "tool_http_error", pinned.redact(revealed.redact(httpError(pinned, response, text))));
    }
    if (response.body().truncated()) {
      return new ToolResult(
          text + "\n[truncated: response exceeded " + settings.maxResponseBytes() + " bytes]",
          true);
    }
    return ToolResult.of(text);
  }

  private static Duration timeoutOf(HttpToolSpec spec, ToolInvocation invocation) {
    Duration timeout = invocation.timeout();
    if (spec.timeout().isPresent() && spec.timeout().get().compareTo(timeout) < 0) {
      timeout = spec.timeout().get();
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ToolFailure("tool_timeout", "No time is left for the call");
    }
    return timeout;
  }

  private static HttpRequest request(
      HttpToolSpec spec,
      HttpRequest.Builder builder,
      JsonNode arguments,
      RevealedSecrets revealed,
      ToolInvocation invocation,
      Duration timeout) {
    Map<String, String> headers = new LinkedHashMap<>();
    spec.headers()
        .forEach(
            (name, template) ->
                headers.put(name, HeaderTemplate.fill(name, template, arguments, revealed)));
    Optional<BodyTemplate.FilledBody> body =
        spec.body()
            .map(template -> BodyTemplate.fill(template, spec.header("Content-Type"), arguments));
    builder
        .timeout(timeout)
        .method(
            spec.method(),
            body.map(
                    filled ->
                        HttpRequest.BodyPublishers.ofString(filled.text(), StandardCharsets.UTF_8))
                .orElse(HttpRequest.BodyPublishers.noBody()));
    headers.forEach(
        (name, value) -> {
          if (name.equalsIgnoreCase("Host")) {
            // Named from the URL (the request goes to the address the URL's host was judged by).
            throw new ToolFailure(
                "invalid_arguments", "The header 'Host' is set from the URL and cannot be sent");
          }
          try {
            builder.header(name, value);
          } catch (IllegalArgumentException e) {
            // Not e's message: it may quote the value, which may hold a secret.
            throw new ToolFailure(
                "invalid_arguments",
                "The header '"
                    + name
                    + "' cannot be sent as filled: HTTP allows it neither that name nor"
                    + " characters outside visible Latin-1 in its value");
          }
        });
    body.flatMap(BodyTemplate.FilledBody::contentTypeToAdd)
        .ifPresent(type -> builder.setHeader("Content-Type", type));
    if (spec.header("User-Agent").isEmpty()) {
      builder.setHeader("User-Agent", USER_AGENT);
    }
    builder.setHeader("Idempotency-Key", invocation.idempotencyKey());
    return builder.build();
  }

  private HttpResponse<CappedBody> exchange(
      OutboundTarget pinned, HttpRequest request, Duration timeout, RevealedSecrets revealed)
      throws InterruptedException {
    CompletableFuture<HttpResponse<CappedBody>> exchange =
        clients
            .clientFor(pinned)
            .sendAsync(request, CappedBody.upTo(settings.maxResponseBytes(), FAILURE_BODY_BYTES));
    try {
      return exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      throw e;
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw timedOut(pinned, timeout);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw timedOut(pinned, timeout);
      }
      throw new ToolFailure(
          "tool_connection_failed",
          pinned.redact(
              revealed.redact(
                  "Calling "
                      + pinned.origin()
                      + " failed: "
                      + cause.getClass().getSimpleName()
                      + (cause.getMessage() == null ? "" : ": " + cause.getMessage()))),
          cause);
    }
  }

  private static ToolFailure timedOut(OutboundTarget pinned, Duration timeout) {
    return new ToolFailure(
        "tool_timeout",
        pinned.origin() + " gave no complete answer within " + timeout.toMillis() + " ms");
  }

  private static String httpError(
      OutboundTarget pinned, HttpResponse<CappedBody> response, String text) {
    StringBuilder message =
        new StringBuilder("HTTP ")
            .append(response.statusCode())
            .append(" from ")
            .append(pinned.origin());
    if (response.statusCode() / 100 == 3) {
      response
          .headers()
          .firstValue("Location")
          .ifPresent(
              location ->
                  message
                      .append(" (redirects to ")
                      .append(location)
                      .append(", which is not followed)"));
    }
    if (!text.isBlank()) {
      message.append(": ");
      if (text.length() > FAILURE_BODY_SHOWN) {
        message.append(text, 0, FAILURE_BODY_SHOWN).append("...");
      } else {
        message.append(text);
      }
    }
    return message.toString();
  }

  @Override
  @PreDestroy
  public void close() {
    clients.close();
  }
}
