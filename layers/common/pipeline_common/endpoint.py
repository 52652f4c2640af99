"""Ask an endpoint (on AWS or the local emulation) for predictions on CSV feature rows."""


def predict(runtime, endpoint: str, rows: list[str]) -> list[str]:
    """One "row -> prediction" line per row sent as text/csv."""
    answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body="\n".join(rows) + "\n")
    predictions = answer["Body"].read().decode().splitlines()
    return [f"{row} -> {prediction}" for row, prediction in zip(rows, predictions, strict=False)]
