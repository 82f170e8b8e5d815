package dev.agentplane.execution.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Which statuses end a run and which of those a resume may take back to the queue. */
class RunStatusTest {

  @Test
  void onlyAFailedOrTimedOutRunIsResumable() {
    assertThat(Arrays.stream(RunStatus.values()).filter(RunStatus::resumable))
        .containsExactlyInAnyOrder(RunStatus.FAILED, RunStatus.TIMED_OUT);
  }

  @Test
  void everyResumableStatusIsTerminal() {
    assertThat(Arrays.stream(RunStatus.values()).filter(RunStatus::resumable))
        .allMatch(RunStatus::terminal);
    assertThat(Arrays.stream(RunStatus.values()).filter(RunStatus::terminal))
        .containsExactlyInAnyOrder(
            RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.TIMED_OUT);
  }
}
