package dev.agentplane.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The child service processes of one test class ({@code @RegisterExtension static final}): started
 * through it, the tails of their logs printed when a test fails, and all stopped after the class.
 * Stopping them matters beyond tidiness: a service still running would stay in its Kafka consumer
 * groups and take messages meant for the next class's services.
 */
public final class ChildServices implements AfterAllCallback, TestWatcher {

  private static final int LOG_LINES_ON_FAILURE = 60;

  private final List<ServiceProcess> owned = new CopyOnWriteArrayList<>();
  private final List<ServiceProcess> watched = new CopyOnWriteArrayList<>();

  /** Starts the services side by side and returns them, in order, once every one is healthy. */
  public List<ServiceProcess> start(ServiceSpec... specs) {
    List<ServiceProcess> started = Arrays.stream(specs).map(this::launch).toList();
    started.forEach(ServiceProcess::awaitHealthy);
    return started;
  }

  /**
   * Starts the service without waiting for it ({@link ServiceProcess#awaitHealthy()} does), so that
   * one whose address another's spec needs can start beside it.
   */
  public ServiceProcess launch(ServiceSpec spec) {
    ServiceProcess service = ServiceProcess.launch(spec);
    owned.add(service);
    return service;
  }

  public ServiceProcess start(ServiceSpec spec) {
    return start(new ServiceSpec[] {spec}).getFirst();
  }

  /** Shows this process's log too when a test fails, without stopping it after the class. */
  public void watch(ServiceProcess shared) {
    watched.add(shared);
  }

  /** Starts again, side by side, those of {@code services} that are not running. */
  public void ensureRunning(ServiceProcess... services) {
    Arrays.stream(services)
        .map(service -> CompletableFuture.runAsync(service::ensureRunning))
        .toList()
        .forEach(CompletableFuture::join);
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    StringBuilder logs = new StringBuilder();
    for (ServiceProcess service : all()) {
      logs.append("\n----- ")
          .append(service.name())
          .append(service.isAlive() ? " (running)" : " (not running)")
          .append(", after ")
          .append(context.getDisplayName())
          .append(" failed -----\n")
          .append(service.logTail(LOG_LINES_ON_FAILURE))
          .append('\n');
    }
    System.out.println(logs);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // Side by side: each graceful stop waits for its service's shutdown.
    List<CompletableFuture<Void>> stopping =
        owned.stream().map(service -> CompletableFuture.runAsync(service::stop)).toList();
    owned.clear();
    CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
  }

  private List<ServiceProcess> all() {
    List<ServiceProcess> all = new ArrayList<>(owned);
    all.addAll(watched);
    return all;
  }
}
