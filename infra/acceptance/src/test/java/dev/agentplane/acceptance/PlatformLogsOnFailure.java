package dev.agentplane.acceptance;

import dev.agentplane.testkit.ServiceProcess;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** When a test fails, prints the end of every service's log: the product's side of the story. */
public final class PlatformLogsOnFailure implements TestWatcher {

  private static final int LINES = 80;

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    StringBuilder logs = new StringBuilder();
    for (ServiceProcess service : Platform.get().processes()) {
      logs.append("\n----- ")
          .append(service.name())
          .append(service.isAlive() ? " (running)" : " (not running)")
          .append(" after ")
          .append(context.getDisplayName())
          .append(" failed -----\n")
          .append(service.logTail(LINES))
          .append('\n');
    }
    System.out.println(logs);
  }
}
