package dev.agentplane.devstack;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs another main class ({@code ExitWithLauncher <main class> <args>...}) in a child JVM and
 * exits that JVM, through its shutdown hooks, when the devstack launcher is gone. The launcher
 * stops its children itself on Ctrl-C or SIGTERM; this covers {@code kill -9} and crashes, which
 * would otherwise leave the services and Kafka running with nobody to stop them.
 */
public final class ExitWithLauncher {

  static final String LAUNCHER_PID_PROPERTY = "agentplane.devstack.launcher-pid";
  static final String PROCESS_NAME_PROPERTY = "agentplane.devstack.process";

  /** Exit code of a process stopped by SIGTERM, which is what the launcher's death amounts to. */
  private static final int EXIT_LAUNCHER_GONE = 143;

  private ExitWithLauncher() {}

  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      System.err.println("Usage: ExitWithLauncher <main class> [arguments...]");
      System.exit(2);
    }
    String launcherPid = System.getProperty(LAUNCHER_PID_PROPERTY);
    if (launcherPid != null) {
      watch(ProcessHandle.of(Long.parseLong(launcherPid)));
    }
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void watch(Optional<ProcessHandle> launcher) {
    // ProcessHandle.of checks the PID's start time too, so a recycled PID is not mistaken for it.
    if (launcher.isEmpty() || !launcher.get().isAlive()) {
      exitBecauseLauncherIsGone();
    }
    ScheduledExecutorService watcher =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "devstack-launcher-watch");
              thread.setDaemon(true);
              return thread;
            });
    watcher.scheduleWithFixedDelay(
        () -> {
          if (!launcher.get().isAlive()) {
            exitBecauseLauncherIsGone();
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
  }

  private static void exitBecauseLauncherIsGone() {
    System.err.println(
        "The devstack launcher has exited; stopping "
            + System.getProperty(PROCESS_NAME_PROPERTY, "this process")
            + ".");
    System.exit(EXIT_LAUNCHER_GONE);
  }
}
