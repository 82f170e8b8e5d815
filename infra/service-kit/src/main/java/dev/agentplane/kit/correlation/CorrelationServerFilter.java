package dev.agentplane.kit.correlation;

import io.micronaut.core.order.Ordered;
import io.micronaut.core.propagation.MutablePropagatedContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when well formed, else a new one)
 * and a W3C trace context, puts both in the logging MDC for the whole request, and returns the id
 * on every response, errors included.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class CorrelationServerFilter implements Ordered {

  @RequestFilter
  void correlate(HttpRequest<?> request, MutablePropagatedContext propagatedContext) {
    String requestId = request.getHeaders().get(Correlation.REQUEST_ID_HEADER);
    if (!Correlation.isWellFormedRequestId(requestId)) {
      requestId = Correlation.newRequestId();
    }
    String traceparent = request.getHeaders().get(Correlation.TRACEPARENT_HEADER);
    if (!Correlation.isValidTraceparent(traceparent)) {
      traceparent = Correlation.newTraceparent();
    }
    request.setAttribute(Correlation.REQUEST_ID_ATTRIBUTE, requestId);
    propagatedContext.add(new CorrelationContext(requestId, traceparent, null, null));
  }

  @ResponseFilter
  void echoRequestId(HttpRequest<?> request, MutableHttpResponse<?> response) {
    request
        .getAttribute(Correlation.REQUEST_ID_ATTRIBUTE, String.class)
        .ifPresent(id -> response.getHeaders().set(Correlation.REQUEST_ID_HEADER, id));
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.TRACING.order();
  }
}
