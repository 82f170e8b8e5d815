package dev.agentplane.execution.model;

import com.fasterxml.jackson.core.JacksonException;
import dev.agentplane.execution.outbound.BlockedTargetException;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.RegistryUnavailableException;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.PinnedHttpClients;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code openai} provider: any OpenAI-compatible Chat Completions endpoint at the spec's {@code
 * baseUrl}, called through LangChain4j's streaming OpenAI model with the tenant secret {@code
 * apiKeySecret} as the bearer key. Text streams into the deltas as it arrives; tool calls are
 * assembled by LangChain4j from their streamed fragments; usage is what the server reports (the
 * request asks for it with {@code stream_options.include_usage}).
 *
 * <p>Every attempt first passes the SSRF rule ({@link OutboundTargets#pin}) and is sent to the
 * address judged then, whatever DNS answers later (requests LangChain4j builds for another origin
 * than {@code baseUrl} are refused). A 429, a 5xx, a 408, a timeout before the response or a broken
 * connection is retried, up to {@link OpenAiCallSettings#attempts()} calls, after the server's
 * {@code Retry-After} (capped) or an exponential backoff; then the call fails with {@code
 * model_unavailable}. Once any of the reply has been streamed to the caller, nothing is retried,
 * because watchers have seen it. Any other 4xx is {@code model_rejected} at once; a reply that
 * cannot be read is {@code model_invalid_reply}; a reply that does not end within {@link
 * OpenAiCallSettings#replyTimeout()} is {@code model_timeout}. An interrupt aborts the exchange in
 * flight and surfaces as {@link InterruptedException}.
 *
 * <p>The API key is used and let go: it is never logged, and it is blanked out of any server text
 * that is quoted in an error.
 */
@Singleton
public class OpenAiCompatibleModels implements ModelProvider {

  public static final String PROVIDER = "openai";

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiCompatibleModels.class);
  private static final int QUOTED_SERVER_TEXT_CHARS = 300;
  private static final int CAUSES_EXAMINED = 16;

  private final TenantSecrets secrets;
  private final OutboundTargets targets;
  private final OpenAiCallSettings settings;
  private final PinnedHttpClients clients;

  public OpenAiCompatibleModels(
      TenantSecrets secrets, OutboundTargets targets, OpenAiCallSettings settings) {
    this.secrets = secrets;
    this.targets = targets;
    this.settings = settings;
    this.clients = new PinnedHttpClients(settings.connectTimeout());
  }

  @Override
  public String provider() {
    return PROVIDER;
  }

  @Override
  public ModelReply complete(ModelRequest request, ModelDeltas deltas) throws InterruptedException {
    URI baseUrl = baseUrl(request.settings());
    if (request.settings().name() == null || request.settings().name().isBlank()) {
      throw rejected("An openai model needs a name (the model id the server knows)");
    }
    String apiKey = apiKey(request);
    ChatRequest chat = OpenAiTranslation.chatRequest(request);
    for (int attempt = 1; ; attempt++) {
      OutboundTarget pinned = pin(baseUrl);
      StreamedReply reply = new StreamedReply();
      switch (attempt(pinned, apiKey, chat, reply, deltas)) {
        case Replied replied -> {
          return replied.reply();
        }
        case Final failed -> throw failed.exception();
        case Transient failed -> {
          String summary = pinned.redact(redact(failed.summary(), apiKey));
          if (reply.begun() || attempt >= settings.attempts()) {
            throw new ModelException(
                "model_unavailable",
                "The model server "
                    + baseUrl.getHost()
                    + " failed "
                    + (reply.begun()
                        ? "while streaming its reply"
                        : "after " + attempt + " attempts")
                    + ": "
                    + summary,
                true,
                failed.cause());
          }
          Duration wait = waitBefore(attempt + 1, failed.retryAfter());
          LOG.warn(
              "Model server {} failed ({}); attempt {} of {} in {} ms",
              baseUrl.getHost(),
              summary,
              attempt + 1,
              settings.attempts(),
              wait.toMillis());
          // Why a sleep: backing off between attempts is the point here (Retry-After, exponential
          // delay), not waiting for async work; it is interruptible, so a cancel ends it at once.
          Thread.sleep(wait); // intended back-off, see above
        }
      }
    }
  }

  @PreDestroy
  void close() {
    clients.close();
  }

  private AttemptOutcome attempt(
      OutboundTarget pinned,
      String apiKey,
      ChatRequest chat,
      StreamedReply reply,
      ModelDeltas deltas)
      throws InterruptedException {
    URI baseUrl = pinned.url();
    AbortableHttpClient exchange =
        new AbortableHttpClient(
            clients, pinned, settings.connectTimeout(), settings.responseTimeout());
    long deadline = System.nanoTime() + settings.replyTimeout().toNanos();
    try {
      OpenAiStreamingChatModel.builder()
          .httpClientBuilder(exchange.asBuilder())
          .baseUrl(baseUrl.toString())
          .apiKey(apiKey)
          .build()
          .chat(chat, reply);
    } catch (RuntimeException refusedBeforeSending) {
      exchange.abort();
      return new Final(
          rejected(
              "The openai provider could not send this request: "
                  + refusedBeforeSending.getMessage()));
    }
    StreamedReply.Ending ending;
    try {
      ending = reply.await(deltas, deadline);
    } catch (InterruptedException interrupted) {
      exchange.abort();
      throw interrupted;
    }
    return switch (ending) {
      case StreamedReply.Completed completed ->
          new Replied(OpenAiTranslation.reply(completed.response()));
      case StreamedReply.Failed failed -> {
        exchange.abort();
        yield classify(failed.cause(), pinned, apiKey);
      }
      case StreamedReply.TimedOut timedOut -> {
        exchange.abort();
        yield new Final(
            new ModelException(
                "model_timeout",
                "The model server "
                    + baseUrl.getHost()
                    + " did not finish its reply within "
                    + settings.replyTimeout(),
                true));
      }
    };
  }

  /** What a failed attempt means: worth another attempt, or final. */
  private AttemptOutcome classify(Throwable failure, OutboundTarget pinned, String apiKey) {
    URI baseUrl = pinned.url();
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < CAUSES_EXAMINED; depth++) {
      if (cause instanceof HttpException refusal) {
        Optional<Duration> retryAfter =
            refusal instanceof ModelServerRefusal withHeaders
                ? withHeaders.retryAfter()
                : Optional.empty();
        String summary =
            "HTTP " + refusal.statusCode() + " " + quoted(refusal.getMessage(), apiKey);
        // No cause attached: the server's text in it may echo the key; the summary is redacted.
        if (ModelServerRefusal.isTransient(refusal.statusCode())) {
          return new Transient(summary, retryAfter, null);
        }
        return new Final(
            new ModelException(
                "model_rejected",
                "The model server " + baseUrl.getHost() + " refused the call: " + summary,
                false));
      }
      if (cause instanceof JacksonException) {
        break;
      }
      if (cause instanceof IOException
          || cause instanceof dev.langchain4j.exception.TimeoutException) {
        return new Transient(
            cause.getClass().getSimpleName() + " " + cause.getMessage(), Optional.empty(), failure);
      }
      cause = cause.getCause();
    }
    return new Final(
        new ModelException(
            "model_invalid_reply",
            "The model server "
                + baseUrl.getHost()
                + " sent a reply that could not be read: "
                + pinned.redact(quoted(String.valueOf(failure.getMessage()), apiKey)),
            false,
            failure));
  }

  private Duration waitBefore(int nextAttempt, Optional<Duration> retryAfter) {
    return retryAfter
        .map(
            asked ->
                asked.compareTo(settings.retryAfterCap()) > 0 ? settings.retryAfterCap() : asked)
        .orElseGet(
            () -> settings.backoffBefore(nextAttempt, ThreadLocalRandom.current().nextDouble()));
  }

  private static URI baseUrl(ModelSettings model) {
    String baseUrl = model.baseUrl();
    if (baseUrl == null || baseUrl.isBlank()) {
      throw rejected("An openai model needs a baseUrl (e.g. https://api.openai.com/v1)");
    }
    try {
      URI uri = new URI(baseUrl.strip());
      String scheme = uri.getScheme();
      if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
        throw rejected("The model's baseUrl " + baseUrl + " is not an absolute http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw rejected("The model's baseUrl " + baseUrl + " is not a URL: " + e.getReason());
    }
  }

  private String apiKey(ModelRequest request) {
    String secretName = request.settings().apiKeySecret();
    if (secretName == null || secretName.isBlank()) {
      throw rejected("An openai model needs apiKeySecret, the tenant secret holding its API key");
    }
    try {
      return secrets
          .reveal(request.tenantId(), secretName)
          .filter(key -> !key.isBlank())
          .orElseThrow(
              () ->
                  rejected(
                      "The tenant has no secret '"
                          + secretName
                          + "', which the model names as its apiKeySecret"));
    } catch (RegistryUnavailableException e) {
      throw new ModelException(
          "model_unavailable",
          "The model's API key could not be fetched: the registry is unavailable",
          true,
          e);
    }
  }

  private OutboundTarget pin(URI baseUrl) {
    try {
      return targets.pin(baseUrl);
    } catch (BlockedTargetException e) {
      throw new ModelException("model_rejected", e.getMessage(), false, e);
    }
  }

  /** Server text fit to quote in an error: short, and without the key should it echo it. */
  private static String quoted(String serverText, String apiKey) {
    String shortened =
        serverText == null
            ? ""
            : serverText.length() > QUOTED_SERVER_TEXT_CHARS
                ? serverText.substring(0, QUOTED_SERVER_TEXT_CHARS) + "…"
                : serverText;
    return redact(shortened.strip(), apiKey);
  }

  private static String redact(String text, String apiKey) {
    return text.replace(apiKey, "[api key]");
  }

  private static ModelException rejected(String message) {
    return new ModelException("model_rejected", message, false);
  }

  /** How one attempt ended. */
  private sealed interface AttemptOutcome {}

  private record Replied(ModelReply reply) implements AttemptOutcome {}

  /**
   * A failure that may pass by itself: another attempt may succeed.
   *
   * @param cause null when it would carry server text unredacted
   */
  private record Transient(String summary, Optional<Duration> retryAfter, Throwable cause)
      implements AttemptOutcome {}

  /** A failure that another attempt would repeat. */
  private record Final(ModelException exception) implements AttemptOutcome {}
}
