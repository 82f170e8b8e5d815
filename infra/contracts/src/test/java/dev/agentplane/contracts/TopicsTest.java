package dev.agentplane.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void thePlatformHasFiveTopicsUnderItsOwnPrefix() {
    assertThat(Topics.ALL)
        .containsExactly(
            "agentplane.registry.lifecycle",
            "agentplane.runs.requested",
            "agentplane.runs.events",
            "agentplane.approvals.requested",
            "agentplane.approvals.decided");
  }

  @Test
  void aDeadLetterTopicIsTheTopicWithADlqSuffix() {
    assertThat(Topics.deadLetter(Topics.RUNS_REQUESTED)).isEqualTo("agentplane.runs.requested.dlq");
  }
}
