"""Facts about one person that tekun and the children's scheme rest on, kept with history:
the self-care assessment (生活自理能力评估), where the person is cared for (dispersed at
home or in a care institution, 分散 / 集中供养), the legal supporters' capacity (法定义务人
履行能力), and a child's hardship record (孤儿、事实无人抚养儿童: the parents' status, the
evidence, the guardian, full-time education). docs/policy/tekun.md, other-programmes.md#children.

models: the tables; services: every write; selectors: the current facts of a household's
members, for the policy engine's one household and its columnar batch alike.
"""
