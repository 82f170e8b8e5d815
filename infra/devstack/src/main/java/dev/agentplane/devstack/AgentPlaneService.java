package dev.agentplane.devstack;

import java.util.Locale;

/** The four services the devstack runs, each as its own JVM, in the order they are listed. */
enum AgentPlaneService {
  GATEWAY("gateway", "gateway", "dev.agentplane.gateway.GatewayApplication", 8080),
  REGISTRY("registry", "registry-service", "dev.agentplane.registry.RegistryApplication", 8081),
  EXECUTION(
      "execution", "execution-service", "dev.agentplane.execution.ExecutionApplication", 8082),
  APPROVAL("approval", "approval-service", "dev.agentplane.approval.ApprovalApplication", 8083);

  private final String displayName;
  private final String moduleDirectory;
  private final String mainClass;
  private final int defaultPort;

  AgentPlaneService(String displayName, String moduleDirectory, String mainClass, int defaultPort) {
    this.displayName = displayName;
    this.moduleDirectory = moduleDirectory;
    this.mainClass = mainClass;
    this.defaultPort = defaultPort;
  }

  /** Short lower-case name used in messages, log file names and flags: {@code registry}. */
  String displayName() {
    return displayName;
  }

  /** The Maven module directory, relative to the repository root. */
  String moduleDirectory() {
    return moduleDirectory;
  }

  String mainClass() {
    return mainClass;
  }

  int defaultPort() {
    return defaultPort;
  }

  /**
   * Environment variable that moves the service to another port: {@code AGENTPLANE_REGISTRY_PORT}.
   */
  String portVariable() {
    return "AGENTPLANE_" + name() + "_PORT";
  }

  /** Flag that moves the service to another port: {@code --registry-port}. */
  String portFlag() {
    return "--" + displayName + "-port";
  }

  /** Environment variable through which the gateway finds it: {@code AGENTPLANE_REGISTRY_URL}. */
  String urlVariable() {
    return "AGENTPLANE_" + name().toUpperCase(Locale.ROOT) + "_URL";
  }
}
