package dev.agentplane.gateway;

import dev.agentplane.testkit.RunnableServiceContract;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The contract every service keeps. The gateway's health includes its upstreams', so they are real
 * (healthy) stub servers here; the contract's {@code /v1/anything} is a path no upstream owns.
 */
@MicronautTest(transactional = false)
class GatewayServiceIT extends RunnableServiceContract {

  private static final StubUpstream UPSTREAM = StubUpstream.start("all-upstreams");

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("micronaut.http.services.registry.url", UPSTREAM.url());
    properties.put("micronaut.http.services.execution.url", UPSTREAM.url());
    properties.put("micronaut.http.services.approval.url", UPSTREAM.url());
    return properties;
  }

  /** Rate-limit buckets are keyed by tenant and principal inside the key; no tenant reads them. */
  @Override
  protected Set<String> tablesWithoutTenants() {
    return Set.of("rate_limit_bucket");
  }
}
