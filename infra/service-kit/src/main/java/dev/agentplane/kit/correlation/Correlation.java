package dev.agentplane.kit.correlation;

import io.micronaut.http.HttpRequest;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * The correlation vocabulary shared by HTTP, Kafka and logs: header names, MDC keys, and what a
 * well-formed request id or W3C {@code traceparent} looks like.
 */
public final class Correlation {

  public static final String REQUEST_ID_HEADER = "X-Request-Id";
  public static final String TRACEPARENT_HEADER = "traceparent";

  public static final String MDC_REQUEST_ID = "requestId";
  public static final String MDC_TRACEPARENT = "traceparent";
  public static final String MDC_TENANT_ID = "tenantId";
  public static final String MDC_SUBJECT = "subject";

  static final String REQUEST_ID_ATTRIBUTE = "agentplane.requestId";

  // Ids travel into logs and other systems' headers: keep them short and free of separators.
  private static final Pattern WELL_FORMED_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  // W3C Trace Context level 1: version 00, non-zero trace and parent ids.
  private static final Pattern TRACEPARENT =
      Pattern.compile("00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

  private Correlation() {}

  public static boolean isWellFormedRequestId(String candidate) {
    return candidate != null && WELL_FORMED_REQUEST_ID.matcher(candidate).matches();
  }

  /**
   * A random (version 4) UUID. Ids name requests in logs and headers and guard nothing, so they
   * come from the thread's own generator rather than {@code SecureRandom}, whose shared lock and
   * system reads showed in the gateway's profile of every request without an id.
   */
  public static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(high, low).toString();
  }

  public static boolean isValidTraceparent(String candidate) {
    return candidate != null && TRACEPARENT.matcher(candidate).matches();
  }

  /**
   * Starts a new trace, sampled, with no parent span; random ids as W3C Trace Context asks, from
   * the thread's own generator (see {@link #newRequestId}).
   */
  public static String newTraceparent() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    HexFormat hex = HexFormat.of();
    long spanId;
    do {
      spanId = random.nextLong();
    } while (spanId == 0);
    long traceHigh = random.nextLong();
    long traceLow = random.nextLong();
    if (traceHigh == 0 && traceLow == 0) {
      traceLow = 1;
    }
    return "00-"
        + hex.toHexDigits(traceHigh)
        + hex.toHexDigits(traceLow)
        + "-"
        + hex.toHexDigits(spanId)
        + "-01";
  }

  /** The request id of the request being served, or of the current log context. */
  public static String currentRequestId(HttpRequest<?> request) {
    return request
        .getAttribute(REQUEST_ID_ATTRIBUTE, String.class)
        .orElseGet(() -> MDC.get(MDC_REQUEST_ID));
  }

  /** What to forward on an outgoing call or event: request id and traceparent, when known. */
  public static Map<String, String> outgoingHeaders() {
    // The propagated context survives hops to event-loop threads where the MDC is not restored.
    CorrelationContext context = CorrelationContext.current().orElse(null);
    String requestId =
        context != null && context.requestId() != null
            ? context.requestId()
            : MDC.get(MDC_REQUEST_ID);
    String traceparent =
        context != null && context.traceparent() != null
            ? context.traceparent()
            : MDC.get(MDC_TRACEPARENT);
    if (requestId == null && traceparent == null) {
      return Map.of();
    }
    if (requestId == null) {
      return Map.of(TRACEPARENT_HEADER, traceparent);
    }
    if (traceparent == null) {
      return Map.of(REQUEST_ID_HEADER, requestId);
    }
    return Map.of(REQUEST_ID_HEADER, requestId, TRACEPARENT_HEADER, traceparent);
  }
}
