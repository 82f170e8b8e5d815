package dev.agentplane.execution.loop;

import dev.agentplane.execution.run.QuotaSettings;
import dev.agentplane.execution.run.TenantRates;
import jakarta.inject.Singleton;

/**
 * Each tenant's steps (model and tool calls) per second on this instance, as Temporal Cloud meters
 * a namespace's actions per second: a run whose tenant is at its rate waits before its next step,
 * parked, holding its lease ({@link TenantRates}).
 *
 * <p>Decision: the running quota bounds how many runs of a tenant execute at once, not how much
 * work they make; 32 runs of a flooding tenant kept both cores of the benchmark's machine busy, and
 * another tenant's first step waited behind theirs (10–20 × its latency alone). A step rate leaves
 * the rest of the machine to the other tenants; a tenant that needs more gets its own rate ({@code
 * steps-per-second-of.<tenant>}), as a larger tier.
 */
@Singleton
public class TenantStepRate {

  private final TenantRates rates;

  TenantStepRate(QuotaSettings settings) {
    this.rates = new TenantRates(settings::stepsPerSecondOf);
  }

  /**
   * Returns when {@code tenantId} may take its next step: at once while it is under its rate, else
   * after its turn (the wait is bounded by the tenant's runs executing here, at most its running
   * quota, over its rate). An interrupt ends the wait early, the interrupt kept.
   */
  void awaitTurn(String tenantId) {
    rates.awaitTurn(tenantId);
  }
}
