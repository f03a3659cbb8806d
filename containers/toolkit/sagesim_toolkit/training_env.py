"""The training environment as the SageMaker training toolkit presents it to a user script:
decoded hyperparameters, channels, and the SM_* environment variables."""
import json
import os
import subprocess

from . import paths

#: Hyperparameters the SDK adds for the framework itself; never passed to the user's script.
SAGEMAKER_PREFIX = "sagemaker_"


def read_json(path, default=None):
    if not os.path.exists(path):
        return {} if default is None else default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def decode_hyperparameters(raw):
    """SageMaker hands every hyperparameter over as a string; the SDK JSON-encodes values, so a
    value that parses as JSON is taken decoded (as the training toolkit does), else as it is."""
    decoded = {}
    for key, value in raw.items():
        try:
            decoded[key] = json.loads(value)
        except (TypeError, ValueError):
            decoded[key] = value
    return decoded


def _arg_value(value):
    if isinstance(value, dict):
        return ",".join("%s=%s" % (k, v) for k, v in sorted(value.items()))
    if value is None:
        return ""
    return str(value)


def to_cmd_args(hyperparameters):
    """`--key value` pairs in key order, `-k value` for one-letter keys, as the training toolkit does."""
    args = []
    for key in sorted(hyperparameters):
        args.append(("--%s" if len(key) > 1 else "-%s") % key)
        args.append(_arg_value(hyperparameters[key]))
    return args


def _env_value(value):
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


class TrainingEnvironment:
    """Everything /opt/ml/input/config says, read once."""

    def __init__(self):
        self.all_hyperparameters = decode_hyperparameters(read_json(paths.HYPERPARAMETERS_FILE))
        self.hyperparameters = {
            k: v for k, v in self.all_hyperparameters.items() if not k.startswith(SAGEMAKER_PREFIX)
        }
        self.raw_hyperparameters = read_json(paths.HYPERPARAMETERS_FILE)
        self.input_data_config = read_json(paths.INPUT_DATA_CONFIG_FILE)
        self.resource_config = read_json(
            paths.RESOURCE_CONFIG_FILE, {"current_host": "algo-1", "hosts": ["algo-1"]}
        )
        self.current_host = self.resource_config.get("current_host", "algo-1")
        self.hosts = sorted(self.resource_config.get("hosts", [self.current_host]))
        self.current_instance_type = self.resource_config.get("current_instance_type", "local")
        self.network_interface_name = self.resource_config.get("network_interface_name", "eth0")
        channels = set(self.input_data_config)
        if os.path.isdir(paths.INPUT_DATA_DIR):
            channels.update(
                name for name in os.listdir(paths.INPUT_DATA_DIR)
                if os.path.isdir(os.path.join(paths.INPUT_DATA_DIR, name))
            )
        self.channel_input_dirs = {name: os.path.join(paths.INPUT_DATA_DIR, name) for name in sorted(channels)}
        self.user_entry_point = self.all_hyperparameters.get("sagemaker_program") or os.environ.get("SAGEMAKER_PROGRAM")
        self.submit_directory = (
            self.all_hyperparameters.get("sagemaker_submit_directory") or os.environ.get("SAGEMAKER_SUBMIT_DIRECTORY")
        )
        self.job_name = (
            self.all_hyperparameters.get("sagemaker_job_name") or os.environ.get("TRAINING_JOB_NAME") or ""
        )
        self.log_level = int(self.all_hyperparameters.get("sagemaker_container_log_level", 20) or 20)
        self.num_cpus = os.cpu_count() or 1
        self.num_gpus = _num_gpus()
        self.module_name = (
            self.user_entry_point[:-3] if self.user_entry_point and self.user_entry_point.endswith(".py")
            else self.user_entry_point
        )

    @property
    def is_master(self):
        return self.current_host == self.hosts[0]

    def channel_content_type(self, channel):
        return (self.input_data_config.get(channel) or {}).get("ContentType")

    def to_cmd_args(self):
        return to_cmd_args(self.hyperparameters)

    def properties(self):
        """The object SM_TRAINING_ENV holds."""
        return {
            "additional_framework_parameters": {},
            "channel_input_dirs": self.channel_input_dirs,
            "current_host": self.current_host,
            "current_instance_type": self.current_instance_type,
            "framework_module": None,
            "hosts": self.hosts,
            "hyperparameters": self.hyperparameters,
            "input_config_dir": paths.INPUT_CONFIG_DIR,
            "input_data_config": self.input_data_config,
            "input_dir": paths.INPUT_DIR,
            "is_master": self.is_master,
            "job_name": self.job_name,
            "log_level": self.log_level,
            "master_hostname": self.hosts[0],
            "model_dir": paths.MODEL_DIR,
            "module_dir": self.submit_directory,
            "module_name": self.module_name,
            "network_interface_name": self.network_interface_name,
            "num_cpus": self.num_cpus,
            "num_gpus": self.num_gpus,
            "num_neurons": 0,
            "output_data_dir": paths.OUTPUT_DATA_DIR,
            "output_dir": paths.OUTPUT_DIR,
            "output_intermediate_dir": paths.OUTPUT_INTERMEDIATE_DIR,
            "resource_config": self.resource_config,
            "user_entry_point": self.user_entry_point,
        }

    def to_env_vars(self):
        """The SM_* variables, named and encoded as the training toolkit does (strings as they are,
        everything else as compact JSON)."""
        env = {
            "hosts": self.hosts,
            "network_interface_name": self.network_interface_name,
            "hps": self.hyperparameters,
            "user_entry_point": self.user_entry_point,
            "framework_params": {},
            "resource_config": self.resource_config,
            "input_data_config": self.input_data_config,
            "output_data_dir": paths.OUTPUT_DATA_DIR,
            "channels": sorted(self.channel_input_dirs),
            "current_host": self.current_host,
            "current_instance_type": self.current_instance_type,
            "module_name": self.module_name,
            "log_level": self.log_level,
            "framework_module": None,
            "input_dir": paths.INPUT_DIR,
            "input_config_dir": paths.INPUT_CONFIG_DIR,
            "output_dir": paths.OUTPUT_DIR,
            "num_cpus": self.num_cpus,
            "num_gpus": self.num_gpus,
            "num_neurons": 0,
            "model_dir": paths.MODEL_DIR,
            "module_dir": self.submit_directory,
            "training_env": self.properties(),
            "user_args": self.to_cmd_args(),
            "output_intermediate_dir": paths.OUTPUT_INTERMEDIATE_DIR,
            "is_master": self.is_master,
            "master_hostname": self.hosts[0],
        }
        for name, path in self.channel_input_dirs.items():
            env["channel_%s" % name] = path
        for key, value in self.hyperparameters.items():
            env["hp_%s" % key] = value
        return {"SM_%s" % key.upper(): _env_value(value) for key, value in env.items()}


def _num_gpus():
    """SM_NUM_GPUS: what sagesim gave the container (its instance type's GPUs), else the GPUs
    `nvidia-smi --list-gpus` sees, as the training toolkit counts them; 0 without any."""
    given = os.environ.get("SM_NUM_GPUS", "")
    if given.isdigit():
        return int(given)
    try:
        listed = subprocess.run(["nvidia-smi", "--list-gpus"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return 0
    if listed.returncode != 0:
        return 0
    return sum(1 for line in listed.stdout.decode("utf-8", "replace").splitlines() if line.startswith("GPU "))
