package dev.agentplane.devstack;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What the user sees once everything is healthy: where things are and how to call them. */
record ReadySummary(
    Duration startup,
    List<Component> components,
    String gatewayUrl,
    String adminToken,
    String adminTokenFile,
    String logDirectory,
    String stateDirectory) {

  /** One line of the table: a service or a piece of infrastructure. */
  record Component(String name, String address, String note) {}

  String render() {
    StringBuilder text = new StringBuilder();
    text.append(System.lineSeparator())
        .append(
            String.format(
                Locale.ROOT,
                "AgentPlane is up in %.1f s (launcher start to every service healthy).%n%n",
                startup.toMillis() / 1000.0));
    int width = components.stream().mapToInt(c -> c.address().length()).max().orElse(0);
    for (Component component : components) {
      text.append(
          String.format(
                  Locale.ROOT,
                  "  %-10s %-" + width + "s  %s",
                  component.name(),
                  component.address(),
                  component.note())
              .stripTrailing());
      text.append(System.lineSeparator());
    }
    String n = System.lineSeparator();
    text.append(n)
        .append("Admin token for tenant '")
        .append(DevToken.DEMO_TENANT)
        .append("' (sub ")
        .append(DevToken.DEMO_ADMIN)
        .append(", roles [admin], valid ")
        .append(DevToken.ADMIN_TOKEN_LIFETIME.toHours())
        .append(" h; also in ")
        .append(adminTokenFile)
        .append("):")
        .append(n)
        .append("  export AGENTPLANE_TOKEN=")
        .append(adminToken)
        .append(n)
        .append(n)
        .append("Try it:")
        .append(n)
        .append("  curl -s ")
        .append(gatewayUrl)
        .append("/health")
        .append(n)
        .append("  curl -s -H \"Authorization: Bearer $AGENTPLANE_TOKEN\" ")
        .append(gatewayUrl)
        .append("/health")
        .append("   # with details: database, Kafka, disk")
        .append(n)
        .append(n)
        .append("Logs:  ")
        .append(logDirectory)
        .append(" (one file per process)")
        .append(n)
        .append("Data:  ")
        .append(stateDirectory)
        .append(" (kept across restarts; ./agentplane up --fresh starts empty)")
        .append(n)
        .append("Stop:  Ctrl-C here, or ./agentplane down from another terminal.")
        .append(n);
    return text.toString();
  }
}
