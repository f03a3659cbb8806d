"""Decoding request bodies and encoding predictions for the content types SageMaker containers speak."""
import io
import json

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
NPY = "application/x-npy"
LIBSVM = "text/libsvm"
LIBSVM_TYPES = ("text/libsvm", "text/x-libsvm", "libsvm")
CSV_TYPES = ("text/csv", "csv")


class UnsupportedContentType(ValueError):
    pass


class UnsupportedAccept(ValueError):
    pass


def media_type(value):
    """`text/csv; label_size=1; charset=utf-8` -> `text/csv` (lower case)."""
    return (value or "").split(";", 1)[0].strip().lower()


def content_type_param(value, name):
    for part in (value or "").split(";")[1:]:
        key, _, param = part.partition("=")
        if key.strip().lower() == name:
            return param.strip()
    return None


def as_text(body):
    return body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body


def csv_to_array(body):
    """Rows of numbers separated by commas (no header) -> 2-D float array."""
    import numpy as np

    text = as_text(body).strip()
    if not text:
        raise ValueError("empty CSV payload")
    rows = [line for line in text.splitlines() if line.strip()]
    try:
        return np.array([[float(x) if x.strip() != "" else np.nan for x in row.split(",")] for row in rows], dtype=float)
    except ValueError as error:
        raise ValueError("CSV payload must hold only numbers (no header): %s" % error) from error


def json_to_array(body):
    import numpy as np

    data = json.loads(as_text(body))
    if isinstance(data, dict):
        for key in ("instances", "inputs", "features", "data"):
            if key in data:
                data = data[key]
                break
        else:
            raise ValueError("a JSON object payload must hold one of: instances, inputs, features, data")
    array = np.array(data, dtype=float)
    return array.reshape(1, -1) if array.ndim == 1 else array


def npy_to_array(body):
    import numpy as np

    return np.load(io.BytesIO(body), allow_pickle=False)


def decode(body, content_type):
    kind = media_type(content_type)
    if kind in CSV_TYPES:
        return csv_to_array(body)
    if kind == JSON:
        return json_to_array(body)
    if kind == NPY:
        return npy_to_array(body)
    raise UnsupportedContentType("content type %s is not supported (use text/csv, application/json or application/x-npy)" % content_type)


def _to_list(prediction):
    return prediction.tolist() if hasattr(prediction, "tolist") else list(prediction)


def _format(value):
    return repr(value) if isinstance(value, float) else str(value)


def array_to_csv(prediction):
    """One prediction per line; a row of several values is joined with commas."""
    lines = []
    for row in _to_list(prediction):
        if isinstance(row, (list, tuple)):
            lines.append(",".join(_format(v) for v in row))
        else:
            lines.append(_format(row))
    return "\n".join(lines) + "\n"


def encode(prediction, accept):
    kind = media_type(accept)
    if kind in CSV_TYPES:
        return array_to_csv(prediction), CSV
    if kind == JSON:
        return json.dumps(_to_list(prediction)), JSON
    if kind == JSONLINES:
        return "".join(json.dumps(row) + "\n" for row in _to_list(prediction)), JSONLINES
    if kind == NPY:
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(prediction))
        return buffer.getvalue(), NPY
    raise UnsupportedAccept("accept type %s is not supported (use text/csv, application/json, application/jsonlines or application/x-npy)" % accept)
