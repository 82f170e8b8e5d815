package dev.agentplane.kit.correlation;

import io.micronaut.context.propagation.slf4j.MdcPropagationContext;
import io.micronaut.core.order.Ordered;
import io.micronaut.core.propagation.MutablePropagatedContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.security.authentication.Authentication;
import java.util.HashMap;
import java.util.Map;

/** Adds the authenticated tenant and subject to the logging MDC, once security has run. */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class PrincipalMdcFilter implements Ordered {

  @RequestFilter
  void addPrincipal(HttpRequest<?> request, MutablePropagatedContext propagatedContext) {
    request
        .getUserPrincipal(Authentication.class)
        .ifPresent(
            authentication -> {
              var current = propagatedContext.getContext().find(MdcPropagationContext.class);
              Map<String, String> mdc =
                  new HashMap<>(current.map(MdcPropagationContext::state).orElse(Map.of()));
              Object tenant = authentication.getAttributes().get("tid");
              if (tenant != null) {
                mdc.put(Correlation.MDC_TENANT_ID, tenant.toString());
              }
              mdc.put(Correlation.MDC_SUBJECT, authentication.getName());
              MdcPropagationContext updated = new MdcPropagationContext(mdc);
              current.ifPresentOrElse(
                  existing -> propagatedContext.replace(existing, updated),
                  () -> propagatedContext.add(updated));
            });
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after();
  }
}
