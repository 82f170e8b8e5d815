package dev.agentplane.kit.consumer;

import io.cloudevents.CloudEvent;

/** The effect of one event, run inside the transaction that records the event as processed. */
@FunctionalInterface
public interface EventHandler {

  void handle(CloudEvent event) throws Exception;
}
