/**
 * What crosses a service boundary over Kafka: topic names, the CloudEvents 1.0 envelope, the event
 * payload records and their JSON schemas.
 *
 * <p>Everything lives in this one package on purpose: the payloads form a sealed hierarchy ({@link
 * dev.agentplane.contracts.PlatformEvent} and one sealed interface per topic), and outside a named
 * module Java only allows a sealed type's permitted subtypes in its own package.
 *
 * <p>Evolving a payload: the schemas are strict ({@code additionalProperties: false}) and consumers
 * validate on {@link dev.agentplane.contracts.EventEnvelope#unwrap}, so an additive change ships
 * the new contracts to consumers before any producer emits the new field, and bumps {@code
 * schemaVersion}.
 */
package dev.agentplane.contracts;
