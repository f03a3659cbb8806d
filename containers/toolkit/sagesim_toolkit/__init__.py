"""sagesim's container toolkit: the SageMaker training and serving contracts, written from their
documentation (sagemaker-training-toolkit, sagemaker-inference-toolkit, the XGBoost container).

Shared by every sagesim image; the algorithm of an image is chosen by SAGESIM_ALGORITHM.
"""
