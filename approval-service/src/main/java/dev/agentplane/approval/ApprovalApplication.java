package dev.agentplane.approval;

import dev.agentplane.kit.outbound.PinnedHttpClients;
import io.micronaut.runtime.Micronaut;

/** Starts the approval service. */
public final class ApprovalApplication {

  private ApprovalApplication() {}

  public static void main(String[] args) {
    // Before anything uses the JDK HTTP client, which reads the setting once: outbound calls to
    // tenants' URLs go to the address the SSRF rule judged and name the host in Host themselves.
    PinnedHttpClients.allowHostHeader();
    Micronaut.run(ApprovalApplication.class, args);
  }
}
