package dev.agentplane.execution.gate;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;
import java.util.List;

/**
 * Approval requests for gated tool calls ({@code agentplane.execution.approvals.*}).
 *
 * @param expireAfter how long a request stays open before its expiry outcome (reject) applies
 * @param requiredApprovals approvals needed before a call counts as approved
 * @param approverRoles roles allowed to decide
 * @param withdrawEvery how often requests of runs that ended while waiting are withdrawn again when
 *     telling the approval service failed
 */
@ConfigurationProperties("agentplane.execution.approvals")
public record ApprovalGateSettings(
    @Bindable(defaultValue = "24h") Duration expireAfter,
    @Bindable(defaultValue = "1") int requiredApprovals,
    @Bindable(defaultValue = "approver,admin") List<String> approverRoles,
    @Bindable(defaultValue = "30s") Duration withdrawEvery) {}
