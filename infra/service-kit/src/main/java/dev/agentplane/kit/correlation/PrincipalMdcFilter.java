package dev.agentplane.kit.correlation;

import io.micronaut.core.order.Ordered;
import io.micronaut.core.propagation.MutablePropagatedContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.security.authentication.Authentication;

/** Adds the authenticated tenant and subject to the logging MDC, once security has run. */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class PrincipalMdcFilter implements Ordered {

  @RequestFilter
  void addPrincipal(HttpRequest<?> request, MutablePropagatedContext propagatedContext) {
    request
        .getUserPrincipal(Authentication.class)
        .ifPresent(
            authentication -> {
              Object tenant = authentication.getAttributes().get("tid");
              String tenantId = tenant == null ? null : tenant.toString();
              propagatedContext
                  .getContext()
                  .find(CorrelationContext.class)
                  .ifPresentOrElse(
                      existing ->
                          propagatedContext.replace(
                              existing, existing.withPrincipal(tenantId, authentication.getName())),
                      () ->
                          propagatedContext.add(
                              new CorrelationContext(
                                  null, null, tenantId, authentication.getName())));
            });
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after();
  }
}
