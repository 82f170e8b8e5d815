package dev.agentplane.kit.correlation;

import io.micronaut.context.propagation.slf4j.MdcPropagationContext;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.http.HttpRequest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
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
  private static final SecureRandom RANDOM = new SecureRandom();

  private Correlation() {}

  public static boolean isWellFormedRequestId(String candidate) {
    return candidate != null && WELL_FORMED_REQUEST_ID.matcher(candidate).matches();
  }

  public static String newRequestId() {
    return UUID.randomUUID().toString();
  }

  public static boolean isValidTraceparent(String candidate) {
    return candidate != null && TRACEPARENT.matcher(candidate).matches();
  }

  /** Starts a new trace, sampled, with no parent span. */
  public static String newTraceparent() {
    byte[] traceId = new byte[16];
    byte[] spanId = new byte[8];
    RANDOM.nextBytes(traceId);
    RANDOM.nextBytes(spanId);
    HexFormat hex = HexFormat.of();
    return "00-" + hex.formatHex(traceId) + "-" + hex.formatHex(spanId) + "-01";
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
    Map<String, String> context =
        PropagatedContext.find()
            .flatMap(propagated -> propagated.find(MdcPropagationContext.class))
            .map(MdcPropagationContext::state)
            .orElse(Map.of());
    String requestId = context.getOrDefault(MDC_REQUEST_ID, MDC.get(MDC_REQUEST_ID));
    String traceparent = context.getOrDefault(MDC_TRACEPARENT, MDC.get(MDC_TRACEPARENT));
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
