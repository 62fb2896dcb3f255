"""The work results ledger of Decree 335/2025 (SPEC §2a): products, tasks, T1–T3 computed from them,
and the connection to the province's task-assignment software."""
