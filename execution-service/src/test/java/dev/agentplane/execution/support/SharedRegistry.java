package dev.agentplane.execution.support;

import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.TestPostgres;

/**
 * The real registry that every test of this JVM shares, started on first use on a database of its
 * own: the execution service resolves agents and reads secrets over real HTTP with real JWTs. Its
 * Kafka consumers are the only registry in their consumer group, so it sees every promotion
 * decision; restarting it keeps its address.
 */
public final class SharedRegistry {

  private static ServiceProcess registry;

  private SharedRegistry() {}

  public static synchronized ServiceProcess get() {
    if (registry == null) {
      registry =
          ServiceProcess.start(
              ServiceSpec.registry(
                  "registry", TestPostgres.get().createDatabase("registry-for-execution")));
    }
    return registry;
  }
}
