package dev.agentplane.kit.correlation;

import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.propagation.ThreadPropagatedContextElement;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * The correlation of the request being served — its id and trace context, and once security has run
 * its tenant and subject — carried by Micronaut's propagated context to every thread the request
 * hops to, and put in the logging MDC while the request's code runs there.
 *
 * <p>Only these four keys are set, and put back as they were, at each hop: Micronaut's {@code
 * MdcPropagationContext} copies the whole MDC map in and out (three map copies per hop, and a
 * proxied request hops about ten times), which profiles of the gateway showed as a tenth of its CPU
 * per request.
 *
 * @param tenantId null until security has run, or for an anonymous caller
 * @param subject null until security has run, or for an anonymous caller
 */
public record CorrelationContext(
    String requestId, String traceparent, String tenantId, String subject)
    implements ThreadPropagatedContextElement<String[]> {

  private static final String[] KEYS = {
    Correlation.MDC_REQUEST_ID,
    Correlation.MDC_TRACEPARENT,
    Correlation.MDC_TENANT_ID,
    Correlation.MDC_SUBJECT
  };

  /** The correlation of the request whose code runs on this thread, if any. */
  public static Optional<CorrelationContext> current() {
    return PropagatedContext.find().flatMap(context -> context.find(CorrelationContext.class));
  }

  /** The same request, now known to act for {@code tenant} as {@code who}. */
  public CorrelationContext withPrincipal(String tenant, String who) {
    return new CorrelationContext(requestId, traceparent, tenant, who);
  }

  @Override
  public String[] updateThreadContext() {
    String[] values = {requestId, traceparent, tenantId, subject};
    String[] previous = new String[KEYS.length];
    for (int i = 0; i < KEYS.length; i++) {
      previous[i] = MDC.get(KEYS[i]);
      put(KEYS[i], values[i]);
    }
    return previous;
  }

  @Override
  public void restoreThreadContext(String[] previous) {
    for (int i = 0; i < KEYS.length; i++) {
      put(KEYS[i], previous[i]);
    }
  }

  private static void put(String key, String value) {
    if (value != null) {
      MDC.put(key, value);
    } else {
      MDC.remove(key);
    }
  }
}
