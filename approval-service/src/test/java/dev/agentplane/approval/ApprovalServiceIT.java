package dev.agentplane.approval;

import dev.agentplane.testkit.RunnableServiceContract;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;

@MicronautTest(transactional = false)
class ApprovalServiceIT extends RunnableServiceContract {}
