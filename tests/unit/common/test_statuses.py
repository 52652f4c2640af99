import botocore.session
import pytest

from pipeline_common import statuses


def botocore_enum(shape: str) -> set[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return set(model.shape_for(shape).enum)


@pytest.mark.parametrize(("kind", "shape"), [("training_job", "TrainingJobStatus"), ("endpoint", "EndpointStatus"),
                                             ("processing_job", "ProcessingJobStatus"), ("transform_job", "TransformJobStatus")])
def test_status_table_covers_exactly_botocores_enum(kind, shape):
    assert set(statuses.TABLES[kind]) == botocore_enum(shape)


def test_every_status_maps_to_a_known_phase():
    for table in statuses.TABLES.values():
        assert set(table.values()) <= set(statuses.PHASES)


def test_a_status_aws_adds_later_is_unknown_so_the_asl_fails_loudly():
    assert statuses.classify("endpoint", "Hibernating") == statuses.UNKNOWN


def test_stopped_training_and_rollback_failure_are_failures():
    assert statuses.classify("training_job", "Stopped") == statuses.FAILED
    assert statuses.classify("endpoint", "UpdateRollbackFailed") == statuses.FAILED


def test_unknown_kind_is_rejected_with_the_known_kinds():
    with pytest.raises(ValueError, match="'notebook'.*endpoint"):
        statuses.classify("notebook", "InService")


@pytest.mark.parametrize("kind", ["processing_job", "transform_job"])
def test_a_stopped_stage_job_is_a_failure_and_stopping_still_runs(kind):
    assert statuses.classify(kind, "Stopped") == statuses.FAILED
    assert statuses.classify(kind, "Stopping") == statuses.RUNNING
