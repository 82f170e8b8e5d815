package dev.agentplane.execution;

import dev.agentplane.kit.outbound.PinnedHttpClients;
import io.micronaut.runtime.Micronaut;

/** Starts the execution service. */
public final class ExecutionApplication {

  private ExecutionApplication() {}

  public static void main(String[] args) {
    // Before anything uses the JDK HTTP client, which reads the setting once: outbound calls to
    // tenants' URLs go to the address the SSRF rule judged and name the host in Host themselves.
    PinnedHttpClients.allowHostHeader();
    Micronaut.run(ExecutionApplication.class, args);
  }
}
