package dev.agentplane.bench.flowable;

import org.flowable.engine.delegate.DelegateExecution;
import org.flowable.engine.delegate.JavaDelegate;

/**
 * The peer process's automated step, as small as the AgentPlane side's tool call: reads the request
 * and writes a one-line summary of it, so the step touches the instance's variables as a real step
 * would.
 */
public final class SummarizeRequest implements JavaDelegate {

  private static final int SUMMARY_LENGTH = 40;

  @Override
  public void execute(DelegateExecution execution) {
    String request = String.valueOf(execution.getVariable("request"));
    String opening =
        request.length() <= SUMMARY_LENGTH ? request : request.substring(0, SUMMARY_LENGTH) + "…";
    execution.setVariable(
        "summary", request.split("\\s+").length + " words: " + opening.toUpperCase());
  }
}
