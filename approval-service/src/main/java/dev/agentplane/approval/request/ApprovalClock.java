package dev.agentplane.approval.request;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The clock every approval time comes from, one bean so that tests and sweeps can reason on it. */
@Factory
class ApprovalClock {

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }
}
