package dev.agentplane.execution.model;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One attempt's reply as LangChain4j streams it in, queued for the calling thread. The caller
 * forwards the text deltas itself, so watchers hear them on the run's thread and never after the
 * call is over, and it waits under its own deadline and interrupt.
 */
final class StreamedReply implements StreamingChatResponseHandler {

  /** How the wait for the reply ended. */
  sealed interface Ending {}

  record Completed(ChatResponse response) implements Ending {}

  record Failed(Throwable cause) implements Ending {}

  record TimedOut() implements Ending {}

  private sealed interface Event {}

  private record Text(String delta) implements Event {}

  private record ToolCallBegun() implements Event {}

  private record End(Ending ending) implements Event {}

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private boolean begun;

  @Override
  public void onPartialResponse(String delta) {
    events.add(new Text(delta));
  }

  @Override
  public void onPartialToolCall(PartialToolCall partialToolCall) {
    events.add(new ToolCallBegun());
  }

  @Override
  public void onCompleteResponse(ChatResponse response) {
    events.add(new End(new Completed(response)));
  }

  @Override
  public void onError(Throwable error) {
    events.add(new End(new Failed(error)));
  }

  /**
   * Forwards text to {@code deltas} as it arrives until the reply ends, fails, or the deadline
   * passes; only the first ending counts.
   *
   * @param deadline a {@link System#nanoTime()} instant
   */
  Ending await(ModelDeltas deltas, long deadline) throws InterruptedException {
    while (true) {
      Event event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      switch (event) {
        case null -> {
          return new TimedOut();
        }
        case Text text -> {
          if (text.delta() != null && !text.delta().isEmpty()) {
            begun = true;
            deltas.text(text.delta());
          }
        }
        case ToolCallBegun toolCall -> begun = true;
        case End end -> {
          return end.ending();
        }
      }
    }
  }

  /** Whether any of the reply reached the caller, after which the call must not be repeated. */
  boolean begun() {
    return begun;
  }
}
